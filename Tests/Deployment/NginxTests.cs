using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Deployment;

/// <summary>Real nginx, with the repository's config, in front of two real gateways in cluster mode.</summary>
public sealed class NginxTests(NginxFront front) : IClassFixture<NginxFront>
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Plain_HTTP_redirects_to_HTTPS_but_serves_the_ACME_challenge()
    {
        using var http = front.Http();
        var token = "challenge-" + Guid.NewGuid().ToString("N");
        var folder = Directory.CreateDirectory(Path.Combine(front.AcmeRoot, ".well-known", "acme-challenge")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, token), token + ".key", Ct);

        var redirect = await http.GetAsync("/auth/me?x=1", Ct);
        var challenge = await http.GetAsync($"/.well-known/acme-challenge/{token}", Ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("https://127.0.0.1/auth/me?x=1", redirect.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, challenge.StatusCode);
        Assert.Equal(token + ".key", await challenge.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_REST_call_passes_through_to_a_gateway_and_comes_back_with_the_security_headers()
    {
        using var https = front.Https();

        var pair = await https.GuestAsync(Ct, nickname: "via-nginx");
        var response = await https.GetMeAsync(pair.AccessToken, Ct);

        var me = await HttpAssert.OkAsync<Me>(response);
        Assert.Equal(pair.UserId, me.UserId);
        Assert.True(me.IsGuest);
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Contains("microphone=(self)", Header(response, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.Equal("nginx", Header(response, "Server"));
    }

    /// <summary>nginx terminates TLS: the gateway learns the scheme from X-Forwarded-Proto, or a projected join link would say http.</summary>
    [Fact]
    public async Task A_class_session_created_over_HTTPS_gets_an_https_join_link()
    {
        using var https = front.Https();
        var grains = front.Deployment.Silos[0].Services.GetRequiredService<IGrainFactory>();
        var facilitator = await Sessions.SessionKit.FacilitatorAsync(https, grains, Ct);

        var session = await Sessions.SessionKit.CreateAsync(facilitator, Ct);

        Assert.Equal($"https://127.0.0.1/?session={Sessions.SessionKit.Code(session)}", session.GetProperty("join_link").GetString());
    }

    [Fact]
    public async Task Requests_are_spread_over_both_gateways_without_stickiness()
    {
        using var https = front.Https();
        var marker = Guid.NewGuid().ToString("N");

        // Poll briefly: after another test's kill, nginx may still be skipping a gateway for fail_timeout (10 s).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var served = new bool[2];
        for (var i = 0; DateTime.UtcNow < deadline && !served.All(s => s); i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await https.GetAsync($"/probe-{marker}-{i}", Ct)).StatusCode);
            for (var g = 0; g < 2; g++)
            {
                served[g] = front.Gateways[g]!.Output().Contains($"/probe-{marker}-", StringComparison.Ordinal);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }

        Assert.True(served.All(s => s), "one client's requests should reach both gateways");
    }

    [Fact]
    public async Task A_body_over_the_gateway_limit_gets_its_problem_and_a_far_larger_one_stops_at_nginx()
    {
        using var https = front.Https();

        var overGateway = await https.PostRawAsync("/auth/guest", JsonPadding(100 * 1024), Ct);
        var overNginx = await https.PostRawAsync("/auth/guest", JsonPadding(1024 * 1024), Ct);

        await HttpAssert.ProblemAsync(overGateway, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overNginx.StatusCode);
        Assert.Equal("text/html", overNginx.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Nginx_logs_paths_without_query_strings()
    {
        using var https = front.Https();
        var secret = "SECRET" + Guid.NewGuid().ToString("N");

        await https.GetAsync($"/ws/signaling?room_code=123456&token={secret}", Ct);
        await https.GetAsync($"/auth/me?token={secret}", Ct);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!front.NginxOutput().Contains("\"GET /auth/me HTTP/1.1\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }

        Assert.Contains("\"GET /ws/signaling HTTP/1.1\"", front.NginxOutput(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, front.NginxOutput(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_one_gateway_killed_new_requests_still_succeed_through_the_other()
    {
        using var https = front.Https();
        var before = await https.GuestAsync(Ct);

        await front.KillGatewayAsync(0, Ct);
        try
        {
            for (var i = 0; i < 6; i++)
            {
                // New clients, so no connection to nginx is reused: each request is new to nginx as well.
                using var client = front.Https();
                var pair = await client.GuestAsync(Ct, nickname: $"after-kill-{i}");
                await HttpAssert.OkAsync<Me>(await client.GetMeAsync(pair.AccessToken, Ct));
                await HttpAssert.OkAsync<Me>(await client.GetMeAsync(before.AccessToken, Ct));
            }
        }
        finally
        {
            await front.RestartGatewayAsync(0, Ct);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task The_healthcheck_subcommand_exits_0_for_a_ready_gateway_and_1_for_a_port_nobody_answers(int gateway)
    {
        var dll = Path.Combine(Repository.BuildOutput("Gateway"), "Dilemma.Gateway.dll");
        var dead = Infrastructure.FreePort.Next();

        var ready = await HealthcheckAsync(dll, front.Gateways[gateway]!.Port);
        var none = await HealthcheckAsync(dll, dead);

        Assert.True(ready.ExitCode == 0, ready.Output);
        Assert.Equal("/health/ready: 200", ready.Stdout.Trim());
        Assert.Equal(1, none.ExitCode);
    }

    [Fact]
    public async Task The_silo_healthcheck_subcommand_asks_the_silo_it_runs_beside()
    {
        var dll = Path.Combine(Repository.BuildOutput("Silo"), "Dilemma.Silo.dll");
        var port = new Uri(front.Deployment.Silos[0].Urls.First()).Port;

        var ready = await HealthcheckAsync(dll, port);

        Assert.True(ready.ExitCode == 0, ready.Output);
        Assert.Equal("/health/ready: 200", ready.Stdout.Trim());
    }

    /// <summary>
    /// The signaling contract (api.md) through nginx: A joins and hears of nobody, B joins and hears of A, A hears
    /// B joined, A's offer reaches B stamped with A's id. Two sockets through round-robin nginx usually land on
    /// different gateways, so the relay crosses gateways through the silos.
    /// </summary>
    [Fact]
    public async Task A_WebSocket_signaling_exchange_passes_through_nginx()
    {
        using var https = front.Https();
        var a = await RoomKit.GuestAsync(https, Ct, "alice");
        var b = await RoomKit.GuestAsync(https, Ct, "bora");
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(a, Ct));
        await RoomKit.JoinAsync(b, code, Ct);

        using var socketA = await front.ConnectWebSocketAsync($"/ws/signaling?room_code={code}&token={a.Tokens.AccessToken}", Ct);
        await SendAsync(socketA, new { type = "join" });
        var peersOfA = await ReceiveAsync(socketA, "peers");
        Assert.DoesNotContain(peersOfA.GetProperty("peers").EnumerateArray(), p => PeerId(p) == b.UserId);

        using var socketB = await front.ConnectWebSocketAsync($"/ws/signaling?room_code={code}&token={b.Tokens.AccessToken}", Ct);
        await SendAsync(socketB, new { type = "join" });
        var peersOfB = await ReceiveAsync(socketB, "peers");
        Assert.Contains(peersOfB.GetProperty("peers").EnumerateArray(), p => PeerId(p) == a.UserId);
        Assert.Equal(b.UserId, PeerId(await ReceiveAsync(socketA, "peer_joined")));

        // The payload as a browser sends it (an RTCSessionDescriptionInit), relayed untouched.
        await SendAsync(socketA, new { type = "offer", to = b.UserId, sdp = new { type = "offer", sdp = "v=0 through nginx" } });
        var offer = await ReceiveAsync(socketB, "offer");
        Assert.Equal(a.UserId, Id(offer.GetProperty("from")));
        Assert.Equal("v=0 through nginx", offer.GetProperty("sdp").GetProperty("sdp").GetString());

        await socketA.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        await socketB.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : throw new Xunit.Sdk.XunitException($"no {name} header");

    private static string JsonPadding(int bytes) => $"{{\"nickname\":\"x\",\"pad\":\"{new string('a', bytes)}\"}}";

    private static Task<Command.Result> HealthcheckAsync(string dll, int port) =>
        Command.RunAsync(
            "dotnet",
            [dll, "healthcheck"],
            Path.GetDirectoryName(dll)!,
            TimeSpan.FromSeconds(30),
            Command.WithoutInheritedSettings().Append(new("ASPNETCORE_HTTP_PORTS", port.ToString(CultureInfo.InvariantCulture))));

    private static long PeerId(JsonElement peer) => Id(peer.GetProperty("peer_id"));

    private static long Id(JsonElement id) =>
        id.ValueKind == JsonValueKind.Number ? id.GetInt64() : long.Parse(id.GetString()!, CultureInfo.InvariantCulture);

    private static Task SendAsync(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, Ct);

    /// <summary>The next message of this type; others (room updates, ICE refreshes) are passed over.</summary>
    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket, string type)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(ReceiveTimeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
                await message.WriteAsync(buffer.AsMemory(0, result.Count), timeout.Token);
            }
            while (!result.EndOfMessage);

            var json = JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement;
            if (json.GetProperty("type").GetString() == type)
            {
                return json;
            }
        }
    }
}
