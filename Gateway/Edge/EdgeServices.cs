using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Hosting;
using Dilemma.Gateway.Research;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.IdentityModel.Tokens;
using Scalar.AspNetCore;

namespace Dilemma.Gateway.Edge;

/// <summary>Everything the HTTP edge needs, in the order a request meets it.</summary>
public static class EdgeServices
{
    /// <summary>Request bodies above this are refused with 413; no endpoint takes more.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    private const string RequestLinesCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static WebApplicationBuilder AddDilemmaEdge(this WebApplicationBuilder builder, GatewayMode mode)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DictionaryKeyPolicy = null;

            // Korean text as UTF-8, not \uXXXX escapes (half the bytes); HTML-sensitive characters stay escaped.
            options.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            options.SerializerOptions.TypeInfoResolver = (options.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(MisnamedFields.Refuse);
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", Problems.DefaultCode(status));
            Problems.ExplainFrameworkAnswer(context.ProblemDetails, status, context.HttpContext.Request);
            context.ProblemDetails.Extensions.Remove("traceId");
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddSettings(JwtSettings.SectionName, new JwtSettingsValidator(keyRequired: mode == GatewayMode.Cluster));
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<SignInRevocations>();
        services.AddHostedService<SignInRevocationPolling>();
        services.AddSingleton<WithdrawalCodeIssuer>();
        services.AddSingleton(TimeProvider.System);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<JwtSettings, SignInRevocations>((options, jwt, revocations) =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidAudience = jwt.Audience,
                IssuerSigningKey = jwt.SigningKey,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ClockSkew = AccountRules.AccessTokenClockSkew,
                NameClaimType = "name",
                RoleClaimType = "role",
            };
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    QueryToken.Read(context);
                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    // A correctly signed token that names no user (a key shared with another
                    // service, say) is not ours: refused here, it is a 401 everywhere, sockets too.
                    if (context.Principal is not { } principal || !AccessTokens.HasUserId(principal))
                    {
                        context.Fail("The token's subject is not a user id.");
                    }
                    else if (revocations.IsRevoked(SignInRevocations.SignInOf(principal)))
                    {
                        // Signed out, or its refresh token was reused: checked against this gateway's copy, never the cluster.
                        context.Fail(new SignInRevokedException());
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var (code, detail) = context.AuthenticateFailure switch
                    {
                        SecurityTokenExpiredException => ("token_expired", "The access token has expired; refresh it."),
                        SignInRevokedException => (SignInRevokedException.Code, SignInRevokedException.Detail),
                        not null => ("invalid_token", "The access token is not valid."),
                        null when QueryToken.IsMisplaced(context.HttpContext) => ("missing_token", "This endpoint takes the access token in the Authorization header only (Authorization: Bearer …); ?token= is read by the sockets and GET /webrtc/ice-config alone."),
                        null => ("missing_token", "This endpoint needs an access token (Authorization: Bearer …)."),
                    };
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await WriteProblemAsync(context.HttpContext, Problems.Describe(StatusCodes.Status401Unauthorized, code, detail));
                },
                OnForbidden = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return WriteProblemAsync(context.HttpContext, Problems.Describe(StatusCodes.Status403Forbidden, "forbidden", "Your account may not use this endpoint."));
                },
            };
        });
        services.AddSingleton<IAuthorizationHandler, StoredRoleHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessTokens.ResearcherRole, policy => policy.RequireRole(AccessTokens.ResearcherRole).AddRequirements(new StoredRoleRequirement(AccessTokens.ResearcherRole)))
            .AddPolicy(AccessTokens.AdminRole, policy => policy.RequireRole(AccessTokens.AdminRole).AddRequirements(new StoredRoleRequirement(AccessTokens.AdminRole)))
            .AddPolicy(AccessTokens.AdminTokenPolicy, policy => policy.RequireRole(AccessTokens.AdminRole));
        services.AddDilemmaRateLimits();
        services.AddDilemmaCors();
        services.AddAuthLimits();

        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Dilemma API";
            document.Info.Description =
                "The gateway of the Dilemma AI-ethics dilemma game. Errors are RFC 9457 problem details with a stable `code`. " +
                "State-changing room endpoints take an `Idempotency-Key` header (choices and consensus a `submission_id`): a retry of the same " +
                "request with the same key gets the first answer and changes nothing. 503 `outcome_unknown` (with Retry-After) means a grain " +
                "call ended without an answer, or the database could not be reached while a state-changing request ran, so the request may " +
                "or may not have taken effect: retry it with the same key. 503 `storage_unavailable` (with Retry-After) means the database " +
                "could not be reached during a read (GET), which changed nothing: retry it. 503 `cluster_unavailable` (with Retry-After) means the " +
                "request was refused before it ran (a game server too busy sheds load so) or no game server could be reached, so it did not run.";
            return Task.CompletedTask;
        }));

        // Paths and statuses only: query strings carry WebSocket tokens and tickets, and bodies carry passwords.
        // The host's own request lines ("Request starting GET /ws/signaling?…&token=…") carry the whole
        // URL, so they stay below the level any configuration can turn on; the line below replaces them.
        builder.Logging.AddFilter(RequestLinesCategory, level => level >= LogLevel.Warning);

        // A provider named in configuration (Logging:Console:LogLevel:…) sets aside, for that provider, every rule that names
        // none, the one above included; so it is repeated, last, for each provider named there.
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            foreach (var provider in options.Rules.Select(r => r.ProviderName).OfType<string>().Distinct().ToList())
            {
                options.Rules.Add(new LoggerFilterRule(provider, RequestLinesCategory, logLevel: null, (_, _, level) => level >= LogLevel.Warning));
            }
        });
        services.AddHttpLogging(options =>
        {
            options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            options.CombineLogs = true;
        });
        return builder;
    }

    public static WebApplication UseDilemmaEdge(this WebApplication app)
    {
        app.UseTrustedProxies();
        app.UseHttpLogging();
        app.UseExceptionHandler();

        // Before everything that can answer on its own (413, 401, 429), so a cross-origin front end can read those answers too.
        app.UseCors();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseMiddleware<RequestCharset>();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", options => options.WithTitle("Dilemma API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapGatewayManagement();
        return app;
    }

    private static async Task WriteProblemAsync(HttpContext context, Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
