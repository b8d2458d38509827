using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// The start-up warm-up of signed-in requests (issue 18): the token it mints is validated by the gateway's own
/// bearer scheme and meets both role policies, so it runs the paths a researcher's first request runs.
/// </summary>
public sealed class AccessTokenWarmUpTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    [Fact]
    public void The_gateway_warmed_token_validation_up_before_it_started()
    {
        Assert.Contains(gateway.Factory.Logs.Lines, line => line.Contains("Access token validation warmed up in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_minted_token_validates_with_the_bearer_scheme_and_meets_both_role_policies_by_the_token_alone()
    {
        var outcome = await WarmUp(gateway.Factory.Services.GetRequiredService<AccessTokens>()).RunAsync();

        // The stored half is asked too, and a user that does not exist holds no role there (no exception either).
        Assert.Equal(new AccessTokenWarmUpOutcome(true, 2, 0), outcome);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused_so_the_warm_up_would_say_so()
    {
        var otherKey = new JwtSettings { JwtKey = "another-signing-key-that-is-long-enough-0123456789" };

        var outcome = await WarmUp(new AccessTokens(otherKey, TimeProvider.System)).RunAsync();

        Assert.Equal(new AccessTokenWarmUpOutcome(false, 0, 0), outcome);
    }

    [Fact]
    public async Task A_token_whose_account_does_not_exist_is_refused_the_research_data_as_holding_no_role()
    {
        var tokens = gateway.Factory.Services.GetRequiredService<AccessTokens>();
        var nobody = new UserProfile(long.MaxValue - 1, "nobody", null, false, false, false, null, DateTimeOffset.UtcNow) { Roles = [AccessTokens.ResearcherRole] };

        using var response = await gateway.Client.SendAsync(
            AuthClient.Authorized(HttpMethod.Get, "/research/experiments/debug/counts", tokens.Issue(nobody, signInId: null)),
            TestContext.Current.CancellationToken);

        // Not the user grain's 404 user_not_found, on an endpoint that is not about that user.
        await HttpAssert.ProblemAsync(response, System.Net.HttpStatusCode.Forbidden, "forbidden");
    }

    private AccessTokenWarmUp WarmUp(AccessTokens tokens)
    {
        var services = gateway.Factory.Services;
        return new AccessTokenWarmUp(
            tokens,
            services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>(),
            services.GetRequiredService<IAuthorizationService>(),
            TimeProvider.System,
            NullLogger<AccessTokenWarmUp>.Instance);
    }
}
