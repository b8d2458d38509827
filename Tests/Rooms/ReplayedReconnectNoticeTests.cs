using System.Globalization;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Realtime;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A reconnect whose row was written and whose save failed: the room comes back and takes the grace from the row
/// (<see cref="ReplayedPresenceTests"/>). The others were never told, as the telling comes after the save; the sockets
/// that come back to the room are told then, as a reconnect tells them. Embedded mode on Kestrel, its grain storage failing
/// the one write the test arms; sockets renew every second, and the grace is long enough to be seen before it ends.
/// </summary>
public sealed class ReplayedReconnectNoticeTests : IAsyncDisposable
{
    private const int GraceSeconds = 8;

    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly Uri _address;
    private readonly HttpClient _http;

    public ReplayedReconnectNoticeTests()
    {
        _gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Game:ReconnectGraceSeconds"] = GraceSeconds.ToString(CultureInfo.InvariantCulture),
                ["Realtime:RenewSeconds"] = "1",
            },
            s => _failing.AroundGameStorage(s));
        _address = _gateway.StartKestrel();
        _http = new HttpClient { BaseAddress = _address };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// They saw nothing until the grace ended, and then the drop: the seat showed present to them all along. Now the
    /// voice socket that renews with the room is told the seat is reconnecting, and the room it shows says so.
    /// </summary>
    [Fact]
    public async Task The_others_are_told_of_a_reconnect_whose_save_failed_before_its_grace_ends()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(_http, Ct);
        await using var watcher = await RealtimeKit.VoiceAsync(_address, players[0], code, Ct);
        var (gone, _) = await RealtimeKit.JoinAsync(_address, players[2], code, Ct);
        var goneUser = players[2].UserId;

        _failing.FailNext(code);
        await gone.DisposeAsync();

        var told = await watcher.NextAsync(
            m => m.GetProperty("type").GetString() is RoomEventType.Reconnecting or RoomEventType.Dropped && m.GetProperty("user_id").GetInt64() == goneUser,
            $"a participant_reconnecting or participant_dropped of {goneUser}",
            Ct);
        Assert.Equal(RoomEventType.Reconnecting, told.GetProperty("type").GetString());
        var shown = await watcher.NextAsync("room_updated", Ct);
        Assert.Equal("reconnecting", PresenceOf(shown.GetProperty("room"), goneUser));
    }

    private static string? PresenceOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
