using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// Embedded mode's first admin: a one-time code printed at start-up. Each test starts its own
/// gateway, since the code belongs to one process.
/// </summary>
public sealed partial class SetupCodeTests
{
    private const string Password = "correct horse battery";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_printed_code_makes_one_registration_admin_and_then_is_spent()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();
        var code = PrintedCode(factory);
        Assert.True(code.Length >= 22, code);

        await HttpAssert.ProblemAsync(await RegisterAsync(client, AuthClient.UniqueName(), code[..^1] + (code[^1] == 'A' ? 'B' : 'A')), HttpStatusCode.Forbidden, "invalid_setup_code");
        var taken = await client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);
        await HttpAssert.ProblemAsync(await RegisterAsync(client, taken.Username, code), HttpStatusCode.Conflict, "username_taken");

        // A registration that failed gave the code back; the next one becomes admin.
        var admin = await HttpAssert.OkAsync<TokenPair>(await RegisterAsync(client, AuthClient.UniqueName("adm"), code), HttpStatusCode.Created);
        Assert.Contains("\"role\":[\"admin\"]", Base64UrlEncoder.Decode(admin.AccessToken.Split('.')[1]), StringComparison.Ordinal);
        Assert.Equal(["admin"], (await HttpAssert.OkAsync<Me>(await client.GetMeAsync(admin.AccessToken, Ct))).Roles);
        var granted = await client.SendAsync(
            AuthClient.Authorized(HttpMethod.Put, $"/admin/users/{taken.UserId}/roles", admin.AccessToken, JsonContent.Create(new { roles = new[] { "researcher" } })), Ct);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);

        await HttpAssert.ProblemAsync(await RegisterAsync(client, AuthClient.UniqueName(), code), HttpStatusCode.Forbidden, "invalid_setup_code");
        Assert.Null(await Grains(factory).GetGrain<IAccountsGrain>(0).GetAdminSetupCodeAsync(Ct));
    }

    [Fact]
    public async Task Once_an_admin_exists_there_is_no_code()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();
        var code = PrintedCode(factory);

        await Roles.NewAccountWithAsync(client, Grains(factory), "admin", Ct, prefix: "adm");

        Assert.Null(await Grains(factory).GetGrain<IAccountsGrain>(0).GetAdminSetupCodeAsync(Ct));
        await HttpAssert.ProblemAsync(await RegisterAsync(client, AuthClient.UniqueName(), code), HttpStatusCode.Forbidden, "invalid_setup_code");
    }

    private static IGrainFactory Grains(GatewayFactory factory) => (IGrainFactory)factory.Services.GetService(typeof(IGrainFactory))!;

    private static string PrintedCode(GatewayFactory factory)
    {
        var line = Assert.Single(factory.Logs.Lines, l => l.Contains("setup code", StringComparison.Ordinal));
        return SetupCode().Match(line).Groups[1].Value;
    }

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string username, string setupCode) =>
        client.PostJsonAsync("/auth/register", new { username, password = Password, setup_code = setupCode }, Ct);

    [GeneratedRegex("setup code: ([A-Za-z0-9_-]+)")]
    private static partial Regex SetupCode();
}
