using System.Diagnostics;
using System.Security.Claims;
using Dilemma.Grains.Interfaces.Accounts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Accounts;

/// <summary>
/// Pays at start-up what the first request with a bearer token used to pay: the token handler's first validation
/// (compiling IdentityModel's reading, signature and claim paths, and building its crypto provider cache) and the
/// first evaluation of the role requirements: about 35-45 ms of the first research export's time to its first
/// byte (docs/benchmarks.md). It mints a token for a user that does not exist, validates it with the scheme's own
/// handler and parameters and asks each role requirement about it. Then the stored half of the role policies
/// (<see cref="StoredRoleRequirement"/>): its handler, the user grain's call and the account read, which that user
/// fails (there is no such account) after running them. It runs after <see cref="Research.ExportWarmUp"/>, which has
/// reached the cluster, and waits on it at most <see cref="StoredLimit"/>. A failure is logged and start-up goes on;
/// only the first signed-in request is slower.
/// </summary>
public sealed partial class AccessTokenWarmUp(
    AccessTokens tokens,
    IOptionsMonitor<JwtBearerOptions> bearer,
    IAuthorizationService authorization,
    TimeProvider time,
    ILogger<AccessTokenWarmUp> logger) : IHostedService
{
    // Never a real account: ids are positive and come from an auto-increment far below this.
    private const long NoUser = long.MaxValue;

    private static readonly string[] RolePolicies = [AccessTokens.ResearcherRole, AccessTokens.AdminRole];

    // A cluster that cannot answer within this is not worth holding start-up for.
    private static readonly TimeSpan StoredLimit = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var began = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await RunAsync();
            if (outcome.IsValid && outcome.PoliciesMet == RolePolicies.Length)
            {
                LogWarmedUp(logger, Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            }
            else
            {
                LogRefused(logger, outcome.IsValid, outcome.PoliciesMet, RolePolicies.Length);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// One warm-up: whether the minted token validated, how many role policies its holder met by the token, and how many
    /// by the stored roles (none: the user does not exist; a warm-up that met one would have found a real account).
    /// </summary>
    public async Task<AccessTokenWarmUpOutcome> RunAsync()
    {
        var profile = new UserProfile(NoUser, "warm-up", null, false, false, false, null, time.GetUtcNow()) { Roles = RolePolicies };
        var options = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        var handler = options.TokenHandlers.First();
        var validation = await handler.ValidateTokenAsync(tokens.Issue(profile, signInId: null), options.TokenValidationParameters);
        var principal = validation.IsValid ? new ClaimsPrincipal(validation.ClaimsIdentity) : null;
        if (principal is null || !AccessTokens.HasUserId(principal))
        {
            return new AccessTokenWarmUpOutcome(false, 0, 0);
        }

        var met = 0;
        var storedMet = 0;
        using var limit = new CancellationTokenSource(StoredLimit);
        var asking = new DefaultHttpContext { RequestAborted = limit.Token };
        foreach (var role in RolePolicies)
        {
            met += (await authorization.AuthorizeAsync(principal, resource: null, [new RolesAuthorizationRequirement([role])])).Succeeded ? 1 : 0;
            storedMet += (await authorization.AuthorizeAsync(principal, asking, [new StoredRoleRequirement(role)])).Succeeded ? 1 : 0;
        }

        return new AccessTokenWarmUpOutcome(true, met, storedMet);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access token validation warmed up in {Milliseconds:F0} ms")]
    private static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The access token warm-up was refused (valid: {IsValid}, role policies met: {Met} of {Policies}); the first signed-in request will be slower")]
    private static partial void LogRefused(ILogger logger, bool isValid, int met, int policies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The access token warm-up failed; the first signed-in request will be slower")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>
/// What one access token warm-up found: whether the token validated, how many role policies it met by the token, and by
/// the stored roles.
/// </summary>
public sealed record AccessTokenWarmUpOutcome(bool IsValid, int PoliciesMet, int StoredPoliciesMet);
