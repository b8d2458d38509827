using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dilemma.Gateway.Ice;

/// <summary>The <c>/webrtc</c> endpoints: ICE servers for the browser and the TURN provider's health.</summary>
public static class IceApi
{
    /// <summary>Binds the <c>Ice</c> section (a wrong value stops start-up) and registers the provider it names.</summary>
    public static WebApplicationBuilder AddIce(this WebApplicationBuilder builder)
    {
        builder.Services.AddIce();
        return builder;
    }

    /// <inheritdoc cref="AddIce(WebApplicationBuilder)"/>
    public static IServiceCollection AddIce(this IServiceCollection services)
    {
        services.AddSettings(IceSettings.SectionName, new IceSettingsValidator());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IIceConfigSource>(provider =>
        {
            var settings = provider.GetRequiredService<IceSettings>();
            var time = provider.GetRequiredService<TimeProvider>();
            IIceConfigSource stun = new StunIceSource(settings, time);
            IIceConfigSource? coturn = settings.ActiveCoturn is { } coturnSettings ? new CoturnIceSource(settings, coturnSettings, time) : null;
            return settings.ProviderKind switch
            {
                IceProviderKind.Coturn => coturn!,
                IceProviderKind.Twilio => new TwilioIceSource(settings, settings.ActiveTwilio!, coturn ?? stun, time, provider.GetRequiredService<ILogger<TwilioIceSource>>()),
                _ => stun,
            };
        });
        return services;
    }

    public static void MapIceApi(this IEndpointRouteBuilder endpoints)
    {
        var webrtc = endpoints.MapGroup("/webrtc").WithTags("WebRTC");
        webrtc.MapGet("/ice-config", GetIceConfigAsync).RequireAuthorization().AcceptsQueryToken()
            .WithSummary("ICE servers for RTCPeerConnection: STUN, and TURN with short-lived credentials when a TURN provider is configured")
            .WithDescription("Authorization: Bearer <access token>. Legacy form of the original front end: ?token=<access token>, read only when no Authorization header is sent (the header wins); prefer the header, since URLs end up in browser history and proxies. No other HTTP endpoint reads ?token=.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        webrtc.MapGet("/health", CheckHealthAsync)
            .WithSummary("Which ICE provider is configured and whether it answered (503 when it did not)")
            .Produces<IceHealth>(StatusCodes.Status503ServiceUnavailable);
    }

    public static async Task<Ok<IceConfig>> GetIceConfigAsync(ClaimsPrincipal principal, IIceConfigSource ice, HttpResponse response, CancellationToken cancellationToken)
    {
        var config = await ice.GetAsync(AccessTokens.UserIdOf(principal), cancellationToken);
        // Credentials: no shared cache may keep them.
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(config);
    }

    public static async Task<Results<Ok<IceHealth>, JsonHttpResult<IceHealth>>> CheckHealthAsync(IIceConfigSource ice, CancellationToken cancellationToken)
    {
        var health = await ice.CheckAsync(cancellationToken);
        return health.Healthy
            ? TypedResults.Ok(health)
            : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
