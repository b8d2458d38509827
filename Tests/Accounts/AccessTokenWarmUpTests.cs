using Dilemma.Gateway.Accounts;
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
    public async Task The_minted_token_validates_with_the_bearer_scheme_and_meets_both_role_policies()
    {
        var outcome = await WarmUp(gateway.Factory.Services.GetRequiredService<AccessTokens>()).RunAsync();

        Assert.Equal(new AccessTokenWarmUpOutcome(true, 2), outcome);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused_so_the_warm_up_would_say_so()
    {
        var otherKey = new JwtSettings { JwtKey = "another-signing-key-that-is-long-enough-0123456789" };

        var outcome = await WarmUp(new AccessTokens(otherKey, TimeProvider.System)).RunAsync();

        Assert.Equal(new AccessTokenWarmUpOutcome(false, 0), outcome);
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
