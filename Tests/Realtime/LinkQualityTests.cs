using Dapper;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Orleans.Core.Internal;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// <c>link_quality</c> on the voice socket: a seated participant's per-round summary of their voice links is stored
/// one <c>connection_quality</c> row per link, exactly as sent; bad input is answered with an error naming the
/// field and the socket stays open. In cluster mode the rows land in MariaDB.
/// </summary>
public abstract class LinkQualityTests(Uri gateway, HttpClient http, IServiceProvider services)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The room's rows as stored, in the order written.</summary>
    protected abstract Task<IReadOnlyList<ConnectionQualityRecord>> RowsAsync(string code);

    [Fact]
    public async Task A_rounds_report_is_stored_one_row_per_link_exactly_as_sent()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct);
        await using var voice = await RealtimeKit.VoiceAsync(gateway, players[0], code, Ct);
        var before = DateTime.UtcNow.AddSeconds(-1);

        await voice.SendAsync(new
        {
            type = "link_quality",
            round_number = 1,
            links = new object[]
            {
                new { peer_user_id = players[1].UserId, connection_state = "connected", relayed = false, round_trip_ms = 12.5, jitter_ms = 3.25, packets_received = 4810L, packets_lost = 7L },
                new { peer_user_id = players[2].UserId, connection_state = "failed", relayed = true, round_trip_ms = (double?)null, jitter_ms = (double?)null, packets_received = (long?)null, packets_lost = (long?)null },
            },
        }, Ct);
        await voice.SendAsync(new { type = "ping" }, Ct);
        await voice.NextAsync("pong", Ct);

        Assert.DoesNotContain(voice.Received, m => m.GetProperty("type").GetString() == "error");
        var rows = await RowsAsync(code);
        Assert.Equal(2, rows.Count);
        Assert.Equal(
            [
                (players[0].UserId, players[1].UserId, 1, "connected", false, (double?)12.5, (double?)3.25, (long?)4810, (long?)7),
                (players[0].UserId, players[2].UserId, 1, "failed", true, null, null, null, null),
            ],
            rows.Select(r => (r.UserId, r.PeerUserId, r.RoundNumber, r.ConnectionState, r.Relayed, r.RoundTripMs, r.JitterMs, r.PacketsReceived, r.PacketsLost)).ToArray());
        Assert.All(rows, r => Assert.InRange(r.ReportedAt, before, DateTime.UtcNow.AddSeconds(1)));

        // A round is reported once: the same report again adds nothing.
        await voice.SendAsync(new
        {
            type = "link_quality",
            round_number = 1,
            links = new[] { new { peer_user_id = players[1].UserId, connection_state = "connected", relayed = false } },
        }, Ct);
        Assert.Equal("already_reported", (await voice.NextAsync("error", Ct)).GetProperty("code").GetString());
        Assert.Equal(2, (await RowsAsync(code)).Count);
    }

    [Fact]
    public async Task A_round_reported_again_after_the_room_was_reactivated_adds_nothing()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct);
        await using var voice = await RealtimeKit.VoiceAsync(gateway, players[0], code, Ct);
        var report = new
        {
            type = "link_quality",
            round_number = 1,
            links = new[]
            {
                new { peer_user_id = players[1].UserId, connection_state = "connected", relayed = false },
                new { peer_user_id = players[2].UserId, connection_state = "connected", relayed = true },
            },
        };
        await voice.SendAsync(report, Ct);
        await voice.SendAsync(new { type = "ping" }, Ct);
        await voice.NextAsync("pong", Ct);
        Assert.Equal(2, (await RowsAsync(code)).Count);

        // The new activation has no memory of the report: only the stored rows can say it was made.
        await services.GetRequiredService<IGrainFactory>().GetGrain<IRoomPresence>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        await voice.SendAsync(report, Ct);

        Assert.Equal("already_reported", (await voice.NextAsync("error", Ct)).GetProperty("code").GetString());
        Assert.Equal(2, (await RowsAsync(code)).Count);
    }

    [Theory]
    [InlineData("""{"type":"link_quality","links":[{"peer_user_id":1,"connection_state":"connected","relayed":false}]}""", "round_number")]
    [InlineData("""{"type":"link_quality","round_number":6,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":false}]}""", "round_number")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[]}""", "links")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":"all good"}""", "links")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"connection_state":"connected","relayed":false}]}""", "links[0].peer_user_id")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"great","relayed":false}]}""", "links[0].connection_state")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":"no"}]}""", "links[0].relayed")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":false,"round_trip_ms":-1}]}""", "links[0].round_trip_ms")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":false,"jitter_ms":"3"}]}""", "links[0].jitter_ms")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":false,"packets_received":1.5}]}""", "links[0].packets_received")]
    [InlineData("""{"type":"link_quality","round_number":1,"links":[{"peer_user_id":1,"connection_state":"connected","relayed":false},{"peer_user_id":2,"connection_state":"connected","relayed":false,"packets_lost":"x"}]}""", "links[1].packets_lost")]
    public async Task A_malformed_report_is_answered_with_the_field_and_the_socket_stays(string message, string field)
    {
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct);
        await using var voice = await RealtimeKit.VoiceAsync(gateway, players[0], code, Ct);

        await voice.SendRawAsync(message, Ct);

        var error = await voice.NextAsync("error", Ct);
        Assert.Equal("invalid_message", error.GetProperty("code").GetString());
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await voice.SendAsync(new { type = "ping" }, Ct);
        await voice.NextAsync("pong", Ct);
        Assert.Empty(await RowsAsync(code));
    }

    [Fact]
    public async Task The_room_refuses_a_round_not_yet_open_and_a_peer_from_outside()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct);
        var outsider = await RoomKit.GuestAsync(http, Ct);
        await using var voice = await RealtimeKit.VoiceAsync(gateway, players[0], code, Ct);

        await voice.SendAsync(new { type = "link_quality", round_number = 2, links = new[] { new { peer_user_id = players[1].UserId, connection_state = "connected", relayed = false } } }, Ct);
        Assert.Equal("wrong_round", (await voice.NextAsync("error", Ct)).GetProperty("code").GetString());

        await voice.SendAsync(new { type = "link_quality", round_number = 1, links = new[] { new { peer_user_id = outsider.UserId, connection_state = "connected", relayed = false } } }, Ct);
        Assert.Equal("invalid_peer", (await voice.NextAsync("error", Ct)).GetProperty("code").GetString());

        await voice.SendAsync(new { type = "link_quality", round_number = 1, links = new[] { new { peer_user_id = players[0].UserId, connection_state = "connected", relayed = false } } }, Ct);
        Assert.Equal("invalid_peer", (await voice.NextAsync("error", Ct)).GetProperty("code").GetString());

        await voice.SendAsync(new { type = "ping" }, Ct);
        await voice.NextAsync("pong", Ct);
        Assert.Empty(await RowsAsync(code));
    }
}

public sealed class EmbeddedLinkQualityTests(KestrelGatewayFixture gateway)
    : LinkQualityTests(gateway.Address, gateway.Client, gateway.Services), IClassFixture<KestrelGatewayFixture>
{
    protected override Task<IReadOnlyList<ConnectionQualityRecord>> RowsAsync(string code) =>
        Task.FromResult(gateway.Services.GetRequiredService<InMemoryResearchStore>().ConnectionQuality(code));
}

public sealed class ClusterLinkQualityTests(ClusterKestrelFixture cluster)
    : LinkQualityTests(cluster.First, cluster.Client, cluster.Services), IClassFixture<ClusterKestrelFixture>
{
    protected override async Task<IReadOnlyList<ConnectionQualityRecord>> RowsAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT room_code AS RoomCode, user_id AS UserId, peer_user_id AS PeerUserId, round_number AS RoundNumber,
                   connection_state AS ConnectionState, relayed AS Relayed, round_trip_ms AS RoundTripMs, jitter_ms AS JitterMs,
                   packets_received AS PacketsReceived, packets_lost AS PacketsLost, reported_at AS ReportedAt
            FROM connection_quality WHERE room_code = @code ORDER BY id
            """,
            new { code },
            cancellationToken: Ct));
        return rows.Select(r => new ConnectionQualityRecord(
            r.RoomCode, r.UserId, r.PeerUserId, r.RoundNumber, r.ConnectionState, r.Relayed, r.RoundTripMs, r.JitterMs, r.PacketsReceived, r.PacketsLost, r.ReportedAt)).ToList();
    }

    // Settable properties: Dapper converts the columns' own types (TINYINT round, BOOLEAN) to them.
    private sealed class Row
    {
        public string RoomCode { get; set; } = "";

        public long UserId { get; set; }

        public long PeerUserId { get; set; }

        public int RoundNumber { get; set; }

        public string ConnectionState { get; set; } = "";

        public bool Relayed { get; set; }

        public double? RoundTripMs { get; set; }

        public double? JitterMs { get; set; }

        public long? PacketsReceived { get; set; }

        public long? PacketsLost { get; set; }

        public DateTime ReportedAt { get; set; }
    }
}
