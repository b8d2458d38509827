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
        var (watcher, goneUser) = await ReconnectWhoseSaveFailsAsync(RealtimeKit.VoiceAsync);
        await using var _watcher = watcher;

        var told = await NoticeOfAsync(watcher, "user_id", goneUser);
        Assert.Equal(RoomEventType.Reconnecting, told.GetProperty("type").GetString());
        var shown = await watcher.NextAsync("room_updated", Ct);
        Assert.Equal("reconnecting", PresenceOf(shown.GetProperty("room"), goneUser));
    }

    /// <summary>
    /// A page with only its signaling socket open heard <c>peer_left</c> and then nothing until the drop. Now the signaling
    /// socket that renews with the room is told the seat is reconnecting, with the fields of <c>peer_left</c>.
    /// </summary>
    [Fact]
    public async Task A_signaling_socket_is_told_of_a_reconnect_whose_save_failed_before_its_grace_ends()
    {
        var (watcher, goneUser) = await ReconnectWhoseSaveFailsAsync(async (address, player, code, ct) => (await RealtimeKit.JoinAsync(address, player, code, ct)).Socket);
        await using var _watcher = watcher;

        var told = await NoticeOfAsync(watcher, "peer_id", goneUser);
        Assert.Equal(RoomEventType.Reconnecting, told.GetProperty("type").GetString());
        Assert.Equal(3, told.GetProperty("role_id").GetInt32());
        Assert.Equal("n" + goneUser, told.GetProperty("nickname").GetString());

        // Told once, though the socket renews every second of the grace; then the drop, as after any reconnect.
        Assert.Equal(RoomEventType.Dropped, (await NoticeOfAsync(watcher, "peer_id", goneUser)).GetProperty("type").GetString());
        Assert.Single(watcher.Received, m => m.GetProperty("type").GetString() == RoomEventType.Reconnecting);
    }

    /// <summary>
    /// In a started room the first player's socket, opened by <paramref name="open"/>, watches while the third player's signaling
    /// socket closes and the room's save of that reconnect fails after its row: the watcher and the user who went.
    /// </summary>
    private async Task<(SocketClient Watcher, long Gone)> ReconnectWhoseSaveFailsAsync(Func<Uri, Player, string, CancellationToken, Task<SocketClient>> open)
    {
        var (players, code) = await RoomKit.StartedRoomAsync(_http, Ct);
        var watcher = await open(_address, players[0], code, Ct);
        var (gone, _) = await RealtimeKit.JoinAsync(_address, players[2], code, Ct);

        _failing.FailNext(code);
        await gone.DisposeAsync();
        return (watcher, players[2].UserId);
    }

    /// <summary>The next reconnect or drop the socket hears of the user, who is named by <paramref name="idField"/>.</summary>
    private static Task<JsonElement> NoticeOfAsync(SocketClient socket, string idField, long userId) =>
        socket.NextAsync(
            m => m.GetProperty("type").GetString() is RoomEventType.Reconnecting or RoomEventType.Dropped && m.GetProperty(idField).GetInt64() == userId,
            $"a participant_reconnecting or participant_dropped of {userId}",
            Ct);

    private static string? PresenceOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
