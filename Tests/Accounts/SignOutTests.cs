using System.Net;
using System.Net.WebSockets;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// Signing out (<c>POST /auth/logout</c>), or a refresh token presented again after its rotation, ends the access tokens
/// of that sign-in too, and only of that one: on the gateway that handled it at once. Runs in embedded mode and in cluster
/// mode against MariaDB, since both keep the same rule.
/// </summary>
public abstract class SignOutContractTests(HttpClient client)
{
    private const string Password = "correct horse battery";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_logout_the_same_access_token_gets_401_token_revoked_at_once()
    {
        var pair = await client.GuestAsync(Ct);
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(pair.AccessToken, Ct));

        await LogoutAsync(client, pair);

        await HttpAssert.ProblemAsync(await client.GetMeAsync(pair.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        await HttpAssert.ProblemAsync(
            await client.SendAsync(AuthClient.Authorized(HttpMethod.Post, "/auth/ws-ticket", pair.AccessToken), Ct), HttpStatusCode.Unauthorized, "token_revoked");
    }

    [Fact]
    public async Task A_reused_refresh_token_revokes_the_access_tokens_of_its_sign_in()
    {
        var stolen = await client.GuestAsync(Ct);
        var rotated = await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/refresh", new { refresh_token = stolen.RefreshToken }, Ct));
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(rotated.AccessToken, Ct));

        await HttpAssert.ProblemAsync(
            await client.PostJsonAsync("/auth/refresh", new { refresh_token = stolen.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "refresh_token_reused");

        // Both the thief's and the holder's: the server cannot tell which is which.
        await HttpAssert.ProblemAsync(await client.GetMeAsync(stolen.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        await HttpAssert.ProblemAsync(await client.GetMeAsync(rotated.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
    }

    [Fact]
    public async Task Another_sign_in_of_the_same_user_keeps_working()
    {
        var name = AuthClient.UniqueName("so");
        var classroom = await client.RegisterAsync(name, Password, Ct);
        var home = await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/login", new { username = name, password = Password }, Ct));

        await LogoutAsync(client, classroom);

        await HttpAssert.ProblemAsync(await client.GetMeAsync(classroom.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        Assert.Equal(home.UserId, (await HttpAssert.OkAsync<Me>(await client.GetMeAsync(home.AccessToken, Ct))).UserId);
        var refreshed = await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/refresh", new { refresh_token = home.RefreshToken }, Ct));
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(refreshed.AccessToken, Ct));
    }

    [Fact]
    public async Task A_token_that_names_no_sign_in_works_until_it_expires()
    {
        // As tokens were minted before they carried a sid: nothing to look up, so nothing refuses them early.
        var pair = await client.GuestAsync(Ct);
        var legacy = AuthContractTests.Mint(pair.UserId, GatewayFactory.JwtKey, lifetime: TimeSpan.FromMinutes(15));
        await LogoutAsync(client, pair);

        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(legacy, Ct));
    }

    [Fact]
    public async Task An_access_token_names_its_sign_in_with_an_opaque_sid_that_survives_refresh()
    {
        var pair = await client.GuestAsync(Ct);
        var rotated = await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct));
        var other = await client.GuestAsync(Ct);

        var sid = SignInOf(pair.AccessToken);
        Assert.Equal(sid, SignInOf(rotated.AccessToken));
        Assert.NotEqual(sid, SignInOf(other.AccessToken));
        Assert.Equal(22, sid.Length);
    }

    internal static async Task LogoutAsync(HttpClient client, TokenPair pair)
    {
        var logout = await client.PostJsonAsync("/auth/logout", new { refresh_token = pair.RefreshToken }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
    }

    private static string SignInOf(string accessToken) =>
        new JsonWebToken(accessToken).TryGetPayloadValue<string>("sid", out var sid) ? sid : throw new Xunit.Sdk.XunitException("The access token has no sid.");
}

/// <summary>The sign-out contract in embedded mode: in-process silo, in-memory store.</summary>
public sealed class EmbeddedSignOutTests(EmbeddedGatewayFixture gateway)
    : SignOutContractTests(gateway.Client), IClassFixture<EmbeddedGatewayFixture>;

/// <summary>The sign-out contract in cluster mode: a silo on MariaDB and Redis, the gateway as a client.</summary>
public sealed class ClusterSignOutTests(ClusterGatewayFixture cluster)
    : SignOutContractTests(cluster.Client), IClassFixture<ClusterGatewayFixture>;

/// <summary>
/// Two gateways of one cluster on real Kestrel: a sign-out through one reaches the other within its poll
/// (<c>Auth:RevocationPollSeconds</c>, 1 s), and sockets are refused, or closed, once their sign-in is revoked.
/// </summary>
public sealed class TwoGatewaySignOutTests(ClusterKestrelFixture cluster) : IClassFixture<ClusterKestrelFixture>, IDisposable
{
    // Several poll intervals, for a loaded test machine; the poll itself is every second.
    private static readonly TimeSpan Reach = TimeSpan.FromSeconds(10);

    private readonly HttpClient _second = new() { BaseAddress = cluster.Second };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_logout_through_one_gateway_refuses_the_token_on_the_other_within_seconds()
    {
        var pair = await cluster.Client.GuestAsync(Ct);
        await HttpAssert.OkAsync<Me>(await _second.GetMeAsync(pair.AccessToken, Ct));

        await SignOutContractTests.LogoutAsync(cluster.Client, pair);

        HttpStatusCode? last = null;
        await Eventually.UntilAsync(
            async () => (last = (await _second.GetMeAsync(pair.AccessToken, Ct)).StatusCode) == HttpStatusCode.Unauthorized,
            Reach,
            () => $"the other gateway to refuse the signed-out token (last answer {last})",
            Ct);
        await HttpAssert.ProblemAsync(await _second.GetMeAsync(pair.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
    }

    [Fact]
    public async Task A_reuse_detected_through_one_gateway_refuses_the_tokens_on_the_other_within_seconds()
    {
        var stolen = await cluster.Client.GuestAsync(Ct);
        var rotated = await HttpAssert.OkAsync<TokenPair>(await cluster.Client.PostJsonAsync("/auth/refresh", new { refresh_token = stolen.RefreshToken }, Ct));
        await HttpAssert.OkAsync<Me>(await _second.GetMeAsync(rotated.AccessToken, Ct));

        await HttpAssert.ProblemAsync(
            await cluster.Client.PostJsonAsync("/auth/refresh", new { refresh_token = stolen.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "refresh_token_reused");

        await Eventually.UntilAsync(
            async () => (await _second.GetMeAsync(rotated.AccessToken, Ct)).StatusCode == HttpStatusCode.Unauthorized,
            Reach,
            "the other gateway to refuse the access token of the reused sign-in",
            Ct);
    }

    [Fact]
    public async Task A_ws_ticket_issued_before_the_logout_opens_no_socket_after_it()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(cluster.Client, Ct);
        var ticket = await HttpAssert.OkAsync<TicketAnswer>(await players[0].PostAsync("/auth/ws-ticket", null, Ct));

        await SignOutContractTests.LogoutAsync(cluster.Client, players[0].Tokens);

        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(cluster.First, $"/ws/signaling?room_code={code}&ticket={ticket.Ticket}", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(cluster.First, $"/ws/voice/{code}?token={players[0].Tokens.AccessToken}", Ct));

        // The others of the room are not touched.
        await using var other = await RealtimeKit.VoiceAsync(cluster.First, players[1], code, Ct);
        await other.SendAsync(new { type = "init" }, Ct);
        await other.NextAsync("session_state", Ct);
    }

    [Fact]
    public async Task An_open_socket_on_the_other_gateway_is_closed_4001_when_its_sign_in_is_signed_out()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(cluster.Client, Ct);
        await using var voice = await RealtimeKit.VoiceAsync(cluster.Second, players[0], code, Ct);
        await using var bystander = await RealtimeKit.VoiceAsync(cluster.Second, players[1], code, Ct);
        await voice.SendAsync(new { type = "init" }, Ct);
        await voice.NextAsync("session_state", Ct);

        await SignOutContractTests.LogoutAsync(cluster.Client, players[0].Tokens);

        Assert.Equal((WebSocketCloseStatus)4001, await voice.ClosedWithinAsync(Reach, Ct));
        Assert.Equal(WebSocketState.Open, bystander.State);
    }

    public void Dispose() => _second.Dispose();

    private sealed record TicketAnswer(string Ticket, int ExpiresIn);
}

/// <summary>
/// The revocation list lives in one grain's memory; it must not forget a sign-out when the silo holding it goes. With the
/// only silo stopped and a new one started, the list activates again and reloads the window from MariaDB, so a gateway
/// started after the restart (its own copy empty) refuses the token from its first request.
/// </summary>
public sealed class SignInRevocationRestartTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sign_out_survives_the_restart_of_the_silo_that_held_the_revocation_list()
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, "signout_", Ct);
        var silo = await deployment.StartSiloAsync(Ct);
        using var before = deployment.CreateGateway().CreateClient();
        var signedOut = await before.GuestAsync(Ct);
        var stillIn = await before.GuestAsync(Ct);
        await SignOutContractTests.LogoutAsync(before, signedOut);

        await deployment.StopSiloAsync(silo, Ct);
        await deployment.StartSiloAsync(Ct);
        using var after = deployment.CreateGateway().CreateClient();

        await HttpAssert.ProblemAsync(await after.GetMeAsync(signedOut.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        await HttpAssert.OkAsync<Me>(await after.GetMeAsync(stillIn.AccessToken, Ct));
    }
}

/// <summary>
/// The store revokes a family before the revocation list is told (a logout, a detected reuse). When the telling never
/// happens (the silo that revoked it died in between, or its call to the list failed), the list learns it from the store
/// on its next re-read (<c>Auth:RevocationReloadSeconds</c>, 1 s here): before, that sign-in's access tokens worked on
/// until they expired.
/// </summary>
public sealed class RevocationReloadTests : IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?> { ["Auth:RevocationReloadSeconds"] = "1" });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_family_the_store_revoked_without_telling_the_list_is_refused_within_the_reload_period()
    {
        using var client = _gateway.CreateClient();
        var revoked = await client.GuestAsync(Ct);
        var other = await client.GuestAsync(Ct);
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(revoked.AccessToken, Ct));

        // The accounts grain's first step on a logout or a reuse, and nothing after it.
        var store = _gateway.Services.GetRequiredService<Dilemma.Grains.Accounts.IAccountStore>();
        Assert.NotNull(await store.RevokeFamilyAsync(Dilemma.Grains.Accounts.RefreshTokens.HashOf(revoked.RefreshToken)!, DateTime.UtcNow, Ct));

        await Eventually.UntilAsync(
            async () => (await client.GetMeAsync(revoked.AccessToken, Ct)).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10),
            "the access token of a family the store revoked to be refused",
            Ct);
        await HttpAssert.ProblemAsync(await client.GetMeAsync(revoked.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(other.AccessToken, Ct));
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();
}

/// <summary>
/// <c>Auth:AccessTokenMinutes</c> set longer on a gateway than on its silo: the silo's revocation list used to forget a
/// sign-out after its own window (1 minute + 1.5 here), while the gateway's tokens live 60, so a gateway started after
/// that never learnt of the sign-out and took its token again. The silo's clock is moved past its window; a gateway
/// started then must still refuse the token.
/// </summary>
public sealed class RevocationLifetimeTests(LocalServices services)
{
    private static readonly Dictionary<string, string?> LongTokens = new() { ["Auth:AccessTokenMinutes"] = "60" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_gateway_with_longer_tokens_than_its_silo_is_told_of_a_sign_out_its_tokens_outlive_the_silos_window()
    {
        var siloClock = new ShiftedClock();
        await using var deployment = await ClusterDeployment.CreateAsync(services, "tokenlife_", Ct);
        await deployment.StartSiloAsync(Ct, builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:AccessTokenMinutes"] = "1" });
            builder.Services.AddSingleton<TimeProvider>(siloClock);
        });
        using var first = deployment.CreateGateway(LongTokens).CreateClient();
        var signedOut = await first.GuestAsync(Ct);
        var stillIn = await first.GuestAsync(Ct);
        await SignOutContractTests.LogoutAsync(first, signedOut);

        siloClock.Shift = TimeSpan.FromMinutes(5);
        using var later = deployment.CreateGateway(LongTokens).CreateClient();

        await HttpAssert.ProblemAsync(await later.GetMeAsync(signedOut.AccessToken, Ct), HttpStatusCode.Unauthorized, "token_revoked");
        await HttpAssert.OkAsync<Me>(await later.GetMeAsync(stillIn.AccessToken, Ct));
    }
}
