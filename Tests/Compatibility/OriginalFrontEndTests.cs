using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Research;
using Dilemma.Tests.Rooms;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Compatibility;

/// <summary>
/// A real gateway configured as a site moving from the original system would configure it: the
/// original front end's origin allowed for CORS and for sockets (docs/migrating.md).
/// </summary>
public sealed class OriginalFrontEndGateway : KestrelGatewayFixture
{
    public const string FrontEndOrigin = "http://frontend.example:3000";

    public OriginalFrontEndGateway()
        : base(new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = FrontEndOrigin,
            ["Realtime:AllowedOrigins:0"] = FrontEndOrigin,
        })
    {
    }
}

/// <summary>
/// The original front end's calls replayed unchanged, in the shapes its documentation shows
/// (FastAPI handlers whose plain parameters came from the query string), from its own origin
/// through CORS, against real Kestrel with real WebSocket clients; each step asserts the fields
/// that front end reads. Then every legacy form is shown refused wherever it would widen access,
/// and absent from the logs. The behaviour is the gateway's edge, the same in both modes.
/// </summary>
public sealed partial class OriginalFrontEndTests(OriginalFrontEndGateway gateway) : IClassFixture<OriginalFrontEndGateway>
{
    private const string Origin = OriginalFrontEndGateway.FrontEndOrigin;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OriginalFrontEnd Page => new(gateway.Client, Origin);

    [Fact]
    public async Task The_original_front_end_plays_a_whole_game_and_exports_it_from_its_own_origin()
    {
        var since = DateTimeOffset.UtcNow;
        var page = Page;

        // Guest login as guest_login(guest_id: str) took it: query parameters, no body.
        var guestIds = Enumerable.Range(0, 3).Select(i => $"original-fe-{i}-{Guid.NewGuid():N}").ToArray();
        var players = new List<(long UserId, string Token, string Nickname)>();
        foreach (var (guestId, i) in guestIds.Select((g, i) => (g, i)))
        {
            var nickname = $"fe{i}{Guid.NewGuid():N}"[..12];
            var login = await OriginalFrontEnd.JsonAsync(await page.PostAsync($"/auth/guest?guest_id={guestId}&nickname={nickname}", Ct));
            Assert.True(login.GetProperty("user_id").GetInt64() > 0);
            Assert.False(string.IsNullOrEmpty(login.GetProperty("access_token").GetString()));
            Assert.True(login.GetProperty("is_guest").GetBoolean());
            players.Add((login.GetProperty("user_id").GetInt64(), login.GetProperty("access_token").GetString()!, nickname));
        }

        foreach (var player in players)
        {
            var me = await OriginalFrontEnd.JsonAsync(await page.GetAsync("/auth/me", Ct, player.Token));
            Assert.Equal(player.UserId, me.GetProperty("user_id").GetInt64());
            Assert.Equal(player.Nickname, me.GetProperty("nickname").GetString());
            await OriginalFrontEnd.JsonAsync(await page.SendAsync(HttpMethod.Patch, "/auth/me/consent", Ct, player.Token, new { data_consent = true, voice_consent = true }));
        }

        // Room create and join.
        var host = players[0];
        var created = await OriginalFrontEnd.JsonAsync(
            await page.PostAsync("/rooms/public", Ct, host.Token, new { title = "Original front end", topic = "care-robot-monitoring", nickname = host.Nickname }),
            HttpStatusCode.Created);
        var code = created.GetProperty("room_code").GetString()!;
        Assert.Matches("^[0-9]{6}$", code);
        foreach (var player in players.Skip(1))
        {
            var joined = await OriginalFrontEnd.JsonAsync(await page.PostAsync("/rooms/join", Ct, player.Token, new { room_code = code, nickname = player.Nickname }));
            Assert.Equal(code, joined.GetProperty("room_code").GetString());
            Assert.Equal(player.UserId, joined.GetProperty("user_id").GetInt64());
        }

        // Both sockets with ?token=, from the page's origin.
        var signaling = new List<SocketClient>();
        var voice = new List<SocketClient>();
        try
        {
            foreach (var player in players)
            {
                var socket = await SocketClient.ConnectAsync(gateway.Address, $"/ws/signaling?room_code={code}&token={player.Token}", Ct, Origin);
                signaling.Add(socket);
                await socket.SendAsync(new { type = "join" }, Ct);
                var peers = await socket.NextAsync("peers", Ct);
                Assert.Equal(signaling.Count - 1, peers.GetProperty("peers").GetArrayLength());
                voice.Add(await SocketClient.ConnectAsync(gateway.Address, $"/ws/voice/{code}?token={player.Token}", Ct, Origin));
            }

            var joinedLast = await signaling[0].NextAsync(m => m.GetProperty("type").GetString() == "peer_joined" && m.GetProperty("peer_id").GetInt64() == players[2].UserId, "peer_joined of the third player", Ct);
            Assert.True(joinedLast.GetProperty("polite").ValueKind is JsonValueKind.True or JsonValueKind.False);
            await voice[1].SendAsync(new { type = "init" }, Ct);
            var session = await voice[1].NextAsync("session_state", Ct);
            Assert.Equal(3, session.GetProperty("participants").GetArrayLength());
            await signaling[0].SendAsync(new { type = "offer", to = players[1].UserId, sdp = new { type = "offer", sdp = "v=0 original" } }, Ct);
            var offer = await signaling[1].NextAsync("offer", Ct);
            Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());

            // Roles: the original called assign-roles with no body (roles at random).
            var assigned = await OriginalFrontEnd.JsonAsync(await page.PostAsync($"/rooms/assign-roles/{code}", Ct, host.Token));
            Assert.Equal([1, 2, 3], assigned.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order());
            var started = await OriginalFrontEnd.JsonAsync(await page.PostAsync($"/rooms/{code}/start", Ct, host.Token));
            Assert.Equal("started", started.GetProperty("phase").GetString());
            var pushed = await voice[2].NextAsync(m => m.GetProperty("type").GetString() == "room_updated" && m.GetProperty("room").GetProperty("phase").GetString() == "started", "room_updated with phase started", Ct);
            Assert.Equal(1, pushed.GetProperty("room").GetProperty("current_round").GetInt32());

            // ICE servers as get_ice_config(token: str) took it: the token in the query, a simple GET (no preflight).
            var ice = await page.GetAsync($"/webrtc/ice-config?token={players[1].Token}", Ct);
            var config = await OriginalFrontEnd.JsonAsync(ice);
            Assert.NotEmpty(config.GetProperty("iceServers").EnumerateArray().SelectMany(s => s.GetProperty("urls").EnumerateArray()));
            Assert.False(config.GetProperty("turnEnabled").GetBoolean());
            Assert.Equal("no-store", ice.Headers.CacheControl?.ToString());

            // Choices and consensus, five rounds.
            for (var round = 1; round <= 5; round++)
            {
                for (var i = 0; i < players.Count; i++)
                {
                    var choice = await OriginalFrontEnd.JsonAsync(
                        await page.PostAsync($"/rooms/{code}/round-choice", Ct, players[i].Token, new { round_number = round, choice = i == 2 ? 1 : 0, confidence = 3 + i }),
                        HttpStatusCode.Created);
                    Assert.Equal(round, choice.GetProperty("round_number").GetInt32());
                }

                await OriginalFrontEnd.JsonAsync(
                    await page.PostAsync($"/rooms/{code}/consensus-choice", Ct, host.Token, new { round_number = round, choice = 0, confidence = 4 }),
                    HttpStatusCode.Created);
            }
        }
        finally
        {
            foreach (var socket in signaling.Concat(voice))
            {
                await socket.DisposeAsync();
            }
        }

        // Statistics.
        var statistics = await OriginalFrontEnd.JsonAsync(await page.GetAsync($"/rooms/{code}/statistics", Ct, players[2].Token));
        Assert.Equal("finished", statistics.GetProperty("phase").GetString());
        var rounds = statistics.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(5, rounds.Count);
        foreach (var round in rounds)
        {
            Assert.Equal(3, round.GetProperty("choices").GetArrayLength());
            Assert.Equal(0, round.GetProperty("consensus_choice").GetInt32());
            Assert.Equal(4, round.GetProperty("consensus_confidence").GetInt32());
            Assert.True(round.GetProperty("followed_majority").GetBoolean());
            Assert.Equal(4.0, round.GetProperty("mean_confidence").GetDouble(), 3);
            Assert.Equal(2, round.GetProperty("distribution")[0].GetInt32());
            var third = round.GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == players[2].UserId);
            Assert.Equal(1, third.GetProperty("choice").GetInt32());
            Assert.Equal(5, third.GetProperty("confidence").GetInt32());
            Assert.False(third.GetProperty("changed_from_majority").GetBoolean());
        }

        Assert.Equal(5, statistics.GetProperty("totals").GetProperty("rounds_completed").GetInt32());

        // The research export, downloaded by the researcher page of the same front end.
        var researcher = await BecomeResearcherAsync(page);
        var export = await page.GetAsync($"{ResearchKit.Export}?from={ResearchKit.Query(since)}", Ct, researcher);
        var bytes = await export.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.Content.Headers.ContentType?.MediaType);
        var readable = OriginalFrontEnd.Header(export, "Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("Content-Disposition", readable);
        Assert.Contains("X-Export-Id", readable);
        Assert.True(Guid.TryParse(OriginalFrontEnd.Header(export, "X-Export-Id"), out _));
        Assert.EndsWith(".xlsx", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var rows = ResearchKit.Read(bytes).Records("participants").Where(r => (string?)r["room_code"] == code).ToList();
        Assert.Equal(players.Select(p => (double)p.UserId).Order(), rows.Select(r => (double)r["user_id"]!).Order());

        // Nothing the front end put in a URL reached the logs.
        AssertNeverLogged([.. players.Select(p => p.Token), .. guestIds]);
    }

    [Fact]
    public async Task A_query_token_opens_no_http_endpoint_but_ice_config()
    {
        var page = Page;
        var researcher = await BecomeResearcherAsync(page);
        var protectedEndpoints = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: Sample(e.RoutePattern.RawText!))))
            .Where(e => e is not { Method: "GET", Path: "/webrtc/ice-config" })
            .ToList();

        // The token is good: in the header it opens a protected endpoint, in the query the legacy one.
        await OriginalFrontEnd.JsonAsync(await page.GetAsync("/auth/me", Ct, researcher));
        await OriginalFrontEnd.JsonAsync(await page.GetAsync($"/webrtc/ice-config?token={researcher}", Ct));

        Assert.True(protectedEndpoints.Count >= 20, $"Only {protectedEndpoints.Count} protected endpoints found: {string.Join(", ", protectedEndpoints)}");
        Assert.Contains(("GET", ResearchKit.Export), protectedEndpoints);
        Assert.Contains(("POST", "/auth/ws-ticket"), protectedEndpoints);
        foreach (var (method, path) in protectedEndpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"{path}?token={researcher}");
            var response = await gateway.Client.SendAsync(request, Ct);
            var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "missing_token");
            Assert.Contains("Authorization header only", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        AssertNeverLogged([researcher]);
    }

    [Fact]
    public async Task Ice_config_prefers_the_header_and_a_query_token_is_checked_like_any_other()
    {
        var (a, b) = (await gateway.Client.GuestAsync(Ct), await gateway.Client.GuestAsync(Ct));

        async Task<HttpResponseMessage> IceAsync(string? header, string? query)
        {
            var path = query is null ? "/webrtc/ice-config" : $"/webrtc/ice-config?token={query}";
            using var request = header is null ? new HttpRequestMessage(HttpMethod.Get, path) : AuthClient.Authorized(HttpMethod.Get, path, header);
            return await gateway.Client.SendAsync(request, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await IceAsync(header: null, query: a.AccessToken));
        await HttpAssert.OkAsync<JsonElement>(await IceAsync(header: a.AccessToken, query: "not.a.token"));
        await HttpAssert.ProblemAsync(await IceAsync(header: "not.a.token", query: b.AccessToken), HttpStatusCode.Unauthorized, "invalid_token");
        await HttpAssert.ProblemAsync(await IceAsync(header: null, query: a.AccessToken + "x"), HttpStatusCode.Unauthorized, "invalid_token");
        await HttpAssert.ProblemAsync(await IceAsync(header: null, query: string.Empty), HttpStatusCode.Unauthorized, "missing_token");
        AssertNeverLogged([a.AccessToken, b.AccessToken]);
    }

    [Fact]
    public async Task A_query_guest_id_is_the_same_credential_as_a_body_guest_id()
    {
        // 32 characters and more: a device's guest id, idempotent in either form.
        var guestId = Guid.NewGuid().ToString("N") + "-device";
        var byBody = await gateway.Client.GuestAsync(Ct, guestId, "viabody");

        var byQuery = await HttpAssert.OkAsync<TokenPair>(await gateway.Client.PostAsync($"/auth/guest?guest_id={guestId}", null, Ct));

        Assert.Equal(byBody.UserId, byQuery.UserId);
        Assert.True(byQuery.IsGuest);
        AssertNeverLogged([guestId, byBody.AccessToken, byQuery.AccessToken]);
    }

    [Fact]
    public async Task The_query_is_read_only_when_the_body_is_empty()
    {
        var queryNickname = "q" + Guid.NewGuid().ToString("N")[..8];
        var response = await gateway.Client.PostRawAsync($"/auth/guest?nickname={queryNickname}", "{\"nickname\":\"frombody\"}", Ct);
        var pair = await HttpAssert.OkAsync<TokenPair>(response);

        var me = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.Equal("frombody", me.GetProperty("nickname").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    public async Task An_empty_guest_login_is_a_new_guest_not_a_bad_request(string? contentType)
    {
        using var content = new ByteArrayContent([]);
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var first = await HttpAssert.OkAsync<TokenPair>(await gateway.Client.PostAsync("/auth/guest", content, Ct));
        var second = await HttpAssert.OkAsync<TokenPair>(await gateway.Client.PostAsync("/auth/guest", null, Ct));

        Assert.True(first.IsGuest);
        Assert.NotEqual(first.UserId, second.UserId);
    }

    [Fact]
    public async Task A_query_guest_id_obeys_the_limits_of_a_body_guest_id()
    {
        var response = await gateway.Client.PostAsync($"/auth/guest?guest_id={new string('g', 65)}", null, Ct);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "invalid_field");
        Assert.True(problem.GetProperty("errors").TryGetProperty("guest_id", out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    public async Task An_empty_assign_roles_body_assigns_at_random(string? contentType)
    {
        var players = await RoomKit.GuestsAsync(gateway.Client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        using var content = new ByteArrayContent([]);
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await gateway.Client.SendAsync(AuthClient.Authorized(HttpMethod.Post, $"/rooms/assign-roles/{code}", players[0].Tokens.AccessToken, content), Ct);

        var room = await HttpAssert.OkAsync<JsonElement>(response);
        Assert.Equal([1, 2, 3], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order());
    }

    [Fact]
    public async Task An_empty_body_where_fields_are_required_is_still_a_bad_request()
    {
        var player = await RoomKit.GuestAsync(gateway.Client, Ct);

        var join = await gateway.Client.SendAsync(AuthClient.Authorized(HttpMethod.Post, "/rooms/join?room_code=123456&nickname=x", player.Tokens.AccessToken), Ct);
        var login = await gateway.Client.PostAsync("/auth/login?username=someone&password=secret-password", null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, join.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
    }

    [Fact]
    public async Task Sockets_from_an_origin_not_listed_are_refused_and_from_the_front_end_admitted()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var token = players[0].Tokens.AccessToken;

        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&token={token}", Ct, "https://elsewhere.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway.Address, $"/ws/voice/{code}?token={token}", Ct, "https://elsewhere.example"));
        await using var admitted = await SocketClient.ConnectAsync(gateway.Address, $"/ws/voice/{code}?token={token}", Ct, Origin);
        await admitted.SendAsync(new { type = "init" }, Ct);
        Assert.Equal(code, (await admitted.NextAsync("session_state", Ct)).GetProperty("room_code").GetString());
    }

    [Fact]
    public async Task A_preflight_from_the_front_end_is_allowed_and_from_anywhere_else_gets_no_cors_headers()
    {
        using var allowed = await gateway.Client.SendAsync(OriginalFrontEnd.Preflight(Origin, HttpMethod.Post, "/rooms/public", ["authorization", "content-type"]), Ct);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(Origin, OriginalFrontEnd.Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("600", OriginalFrontEnd.Header(allowed, "Access-Control-Max-Age"));
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));

        using var refused = await gateway.Client.SendAsync(OriginalFrontEnd.Preflight("https://elsewhere.example", HttpMethod.Post, "/rooms/public", ["authorization", "content-type"]), Ct);
        Assert.DoesNotContain(refused.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "https://elsewhere.example");
        using var answer = await gateway.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));

        // A refusal the gateway answers itself is still readable by the front end (it must see the 401 to sign in again).
        var unauthorized = await Page.GetAsync("/auth/me", Ct, accessToken: "not.a.token");
        await HttpAssert.ProblemAsync(unauthorized, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Contains("WWW-Authenticate", OriginalFrontEnd.Header(unauthorized, "Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries));
    }

    /// <summary>
    /// Makes a signed-in researcher and returns their access token: an account registered through
    /// the page, the role granted the operator's way (<see cref="Roles"/>), and the token refreshed
    /// through the page so that it carries the role as a real user's next token would.
    /// </summary>
    private async Task<string> BecomeResearcherAsync(OriginalFrontEnd page)
    {
        var register = await page.PostAsync("/auth/register", Ct, json: new { username = AuthClient.UniqueName("researcher"), password = ResearchKit.Password, data_consent = true, voice_consent = false });
        var registered = await HttpAssert.OkAsync<TokenPair>(register, HttpStatusCode.Created);
        await gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRoleOperatorProbeGrain>(0).GrantAsync(registered.Username, "researcher");
        var pair = await HttpAssert.OkAsync<TokenPair>(await page.PostAsync("/auth/refresh", Ct, json: new { refresh_token = registered.RefreshToken }));
        var me = await OriginalFrontEnd.JsonAsync(await page.GetAsync("/auth/me", Ct, pair.AccessToken));
        Assert.Contains("researcher", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        return pair.AccessToken;
    }

    private void AssertNeverLogged(IEnumerable<string> secrets)
    {
        var lines = gateway.Factory.Logs.Lines.ToList();
        Assert.Contains(lines, line => line.Contains("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    // A path that the route template matches, so the request reaches authorization.
    private static string Sample(string template) => RouteParameter().Replace(template, match => match.Groups["constraint"].Value switch
    {
        var c when c.Contains("guid", StringComparison.OrdinalIgnoreCase) => Guid.NewGuid().ToString(),
        var c when c.Contains("int", StringComparison.OrdinalIgnoreCase) || c.Contains("long", StringComparison.OrdinalIgnoreCase) => "1",
        _ => "123456",
    });

    [GeneratedRegex(@"\{(?<name>[^}:=?]+)(?<constraint>[^}]*)\}")]
    private static partial Regex RouteParameter();
}
