using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Tests.Telemetry;

/// <summary>
/// What an operator sees of a cluster: Prometheus reads our metrics from the management ports, a round-choice
/// is one trace from the gateway through the grain to the database, and nothing of it is on the public port.
/// </summary>
public sealed class TelemetryTests(TelemetryClusterFixture cluster) : IClassFixture<TelemetryClusterFixture>
{
    private const string ChoiceRoute = "/rooms/{room_code}/round-choice";
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_reads_game_edge_and_orleans_metrics_from_the_gateway_and_the_silo()
    {
        var prometheus = cluster.Prometheus;
        var before = await prometheus.QueryAsync($"sum(dilemma_choices_total{{job=\"dilemma-silo\",kind=\"individual\",{cluster.SiloSeries}}})", Ct) ?? 0;

        // Part of a game: a room created, joined, roles given, started, round 1 chosen and agreed.
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);

        await prometheus.WaitForAsync("up{job=\"dilemma-gateway\"}", value => value == 1, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("up{job=\"dilemma-silo\"}", value => value == 1, ScrapeDeadline, Ct);

        // Ours, recorded by the room grain on the silo.
        await prometheus.WaitForAsync($"sum(dilemma_choices_total{{job=\"dilemma-silo\",kind=\"individual\",{cluster.SiloSeries}}})", value => value >= before + 3, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("sum(dilemma_choices_total{job=\"dilemma-silo\",kind=\"consensus\"})", value => value >= 1, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("sum(dilemma_rooms_active{job=\"dilemma-silo\",phase=\"started\"})", value => value >= 1, ScrapeDeadline, Ct);

        // ASP.NET Core's request duration on the gateway, by route: what the round-choice p99 alert reads.
        await prometheus.WaitForAsync(
            $"sum(http_server_request_duration_seconds_count{{job=\"dilemma-gateway\",http_route=\"{ChoiceRoute}\",http_response_status_code=\"201\"}})",
            value => value >= 3,
            ScrapeDeadline,
            Ct);
        var p99 = await prometheus.WaitForAsync(
            // Over all requests so far: a rate over a window needs two scrapes that saw requests between them.
            $"histogram_quantile(0.99, sum by (le) (http_server_request_duration_seconds_bucket{{job=\"dilemma-gateway\",http_route=\"{ChoiceRoute}\"}}))",
            value => !double.IsNaN(value),
            ScrapeDeadline,
            Ct);
        Assert.InRange(p99, 0, 30);

        // Orleans' own meter, the runtime's and MySqlConnector's on the silo; Kestrel's on the gateway.
        await prometheus.WaitForAsync("sum(orleans_catalog_activations{job=\"dilemma-silo\"})", value => value >= 1, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("sum(dotnet_gc_collections_total{job=\"dilemma-silo\"})", value => value >= 0, ScrapeDeadline, Ct);
        // Counted as series, not summed: MySqlConnector's meter is one per process, and this test process also runs
        // classes that kill MariaDB under open pools, after which its usage gauge has read below zero (seen: -34).
        await prometheus.WaitForAsync("count(db_client_connections_usage{job=\"dilemma-silo\"})", value => value >= 1, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("sum(kestrel_active_connections{job=\"dilemma-gateway\"})", value => value >= 0, ScrapeDeadline, Ct);

        // The alert rules are written against the series read above (k8s/monitoring/alerts.yaml, loaded by this
        // Prometheus): a misspelt metric would leave them without any. The round-choice rule's selector is the one
        // queried above, checked as text: its 5-minute rate is not reliable here, because every gateway hosted in
        // this test process feeds the same ASP.NET Core meter (seen: no series within 60 s when other classes ran).
        var rules = await File.ReadAllTextAsync(Dilemma.Tests.Deployment.Repository.PathOf("k8s", "monitoring", "alerts.yaml"), Ct);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{job=\"dilemma-gateway\",http_route=\"{ChoiceRoute}\"}}", rules, StringComparison.Ordinal);
        await prometheus.WaitForAsync("count(dilemma:db_connection_use_seconds:p99_5m)", value => value == 1, ScrapeDeadline, Ct);
    }

    [Fact]
    public async Task Prometheus_reads_open_sockets_and_the_relay_latency_of_signaling()
    {
        var prometheus = cluster.Prometheus;
        var gateway = cluster.Client.BaseAddress!;
        var relayed = await prometheus.QueryAsync($"sum(dilemma_relay_duration_seconds_count{{job=\"dilemma-gateway\",{cluster.GatewaySeries}}})", Ct) ?? 0;
        var (players, code) = await RoomKit.SeatedRoomAsync(cluster.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway, players[1], code, Ct);
        await using var _a = a;
        await using var _b = b;

        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = new { type = "offer", sdp = "v=0 telemetry" } }, Ct);
        await b.NextAsync("offer", Ct);
        await b.SendAsync(new { type = "answer", to = players[0].UserId, sdp = new { type = "answer", sdp = "v=0 telemetry" } }, Ct);
        await a.NextAsync("answer", Ct);

        await prometheus.WaitForAsync("sum(dilemma_sockets_open{job=\"dilemma-gateway\",kind=\"signaling\"})", value => value >= 2, ScrapeDeadline, Ct);
        // The arrival time travels with the grain calls (Orleans' request context) to the addressee's socket.
        await prometheus.WaitForAsync($"sum(dilemma_relay_duration_seconds_count{{job=\"dilemma-gateway\",{cluster.GatewaySeries}}})", value => value >= relayed + 2, ScrapeDeadline, Ct);
        await prometheus.WaitForAsync("count(dilemma:relay_duration_seconds:p99_5m)", value => value == 1, ScrapeDeadline, Ct);
    }

    [Fact]
    public async Task A_round_choice_is_one_trace_from_the_gateway_through_the_grain_to_the_database()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);

        // The test starts the trace, so it knows the id to look for.
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{code}/round-choice")
        {
            Content = new StringContent("{\"round_number\":1,\"choice\":0,\"confidence\":4}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", players[1].Tokens.AccessToken);

        // The client's own span (HttpClient is instrumented in this process) is a child of this one and sends its traceparent.
        using (new Activity("test client").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        using (var response = await cluster.Client.SendAsync(request, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var (gateway, grain, database) = await WaitForTraceAsync(traceId);
        Assert.Equal(ChoiceRoute, gateway.GetTagItem("http.route"));
        Assert.Equal("Microsoft.AspNetCore", gateway.Source.Name);
        Assert.StartsWith("Microsoft.Orleans", grain.Source.Name, StringComparison.Ordinal);
        Assert.Equal("MySqlConnector", database.Source.Name);

        // Parent links: the database command runs inside the grain call, which runs inside the request.
        var all = Spans(traceId).ToDictionary(span => span.SpanId);
        Assert.True(IsDescendant(grain, gateway, all), $"The grain span is not under the gateway's request. Trace: {Describe(traceId)}");
        Assert.True(IsDescendant(database, grain, all), $"The database span is not under the grain call. Trace: {Describe(traceId)}");
    }

    [Fact]
    public async Task Metrics_and_the_dashboard_are_404_on_the_public_port()
    {
        using var metrics = await cluster.Client.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);

        // A Host header naming the management port does not make the public port serve it.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        forged.Headers.Host = $"127.0.0.1:{cluster.GatewayManagementPort.ToString(CultureInfo.InvariantCulture)}";
        using (var response = await cluster.Client.SendAsync(forged, Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var dashboard = await cluster.Client.SendAsync(AsAdmin(new HttpRequestMessage(HttpMethod.Get, "/dashboard/version")), Ct);
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);

        // The management port serves both.
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.GatewayManagementPort.ToString(CultureInfo.InvariantCulture)}") };
        using var scrape = await management.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        // An observable instrument: in every scrape, unlike request counts the exporter's cached answer may predate.
        var text = await scrape.Content.ReadAsStringAsync(Ct);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", text, StringComparison.Ordinal);

        // Which build answers: the resource's service.version, as Prometheus's target_info shows it.
        Assert.Contains($"service_version=\"{Dilemma.Hosting.Telemetry.BuildVersion.Current}\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_is_served_on_the_management_port_to_admins_only()
    {
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.GatewayManagementPort.ToString(CultureInfo.InvariantCulture)}") };

        using (var anonymous = await management.GetAsync("/dashboard/version", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var player = await RoomKit.GuestAsync(cluster.Client, Ct);
        using (var guest = await management.SendAsync(Authorized(new HttpRequestMessage(HttpMethod.Get, "/dashboard/version"), player.Tokens.AccessToken), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, guest.StatusCode);
        }

        // The silo's own address: the dashboard reads the cluster through the gateway's Orleans client. Its grain gathers
        // the counters on a timer, so a dashboard activated by this request (an earlier one collected as idle) answers
        // with no hosts until its first round.
        await Eventually.UntilAsync(
            async () =>
            {
                using var admin = await management.SendAsync(AsAdmin(new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters")), Ct);
                Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
                return (await admin.Content.ReadAsStringAsync(Ct)).Contains("127.0.0.1", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            "the dashboard's counters to name the silo",
            Ct);
    }

    private async Task<(Activity Gateway, Activity Grain, Activity Database)> WaitForTraceAsync(ActivityTraceId traceId)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var gateway = cluster.GatewaySpans.FirstOrDefault(span => span.TraceId == traceId && span.Kind == ActivityKind.Server && span.Source.Name == "Microsoft.AspNetCore");
            var grain = cluster.SiloSpans.FirstOrDefault(span => span.TraceId == traceId && span.Kind == ActivityKind.Server && span.DisplayName.Contains("SubmitChoice", StringComparison.Ordinal));
            var database = cluster.SiloSpans.FirstOrDefault(span => span.TraceId == traceId && span.Source.Name == "MySqlConnector");
            if (gateway is not null && grain is not null && database is not null)
            {
                return (gateway, grain, database);
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                Assert.Fail($"No complete trace {traceId} within 30 s (gateway {gateway is not null}, grain {grain is not null}, database {database is not null}; {cluster.GatewaySpans.Count} and {cluster.SiloSpans.Count} spans in all). Spans: {Describe(traceId)}. Choice spans: {string.Join("; ", cluster.GatewaySpans.Where(span => Equals(span.GetTagItem("http.route"), ChoiceRoute)).Select(span => $"{span.Source.Name} {span.TraceId} {span.ParentSpanId}"))}");
            }

            await Task.Delay(100, Ct);
        }
    }

    private IEnumerable<Activity> Spans(ActivityTraceId traceId) =>
        cluster.GatewaySpans.Concat(cluster.SiloSpans).Where(span => span.TraceId == traceId).DistinctBy(span => span.SpanId);

    private string Describe(ActivityTraceId traceId) =>
        string.Join("; ", Spans(traceId).Select(span => $"{span.Source.Name} {span.Kind} '{span.DisplayName}' {span.SpanId} <- {span.ParentSpanId}"));

    private static bool IsDescendant(Activity span, Activity ancestor, Dictionary<ActivitySpanId, Activity> all)
    {
        var parent = span.ParentSpanId;
        for (var hops = 0; hops < 20; hops++)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            if (!all.TryGetValue(parent, out var next))
            {
                return false;
            }

            parent = next.ParentSpanId;
        }

        return false;
    }

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>An access token with the admin role, signed with the gateway's key as the gateway would.</summary>
    private static HttpRequestMessage AsAdmin(HttpRequestMessage request)
    {
        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "dilemma",
            Audience = "dilemma",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "1", ["name"] = "operator", ["role"] = new[] { "admin" } },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(GatewayFactory.JwtKey)), SecurityAlgorithms.HmacSha256),
        });
        return Authorized(request, token);
    }
}
