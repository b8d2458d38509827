using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Gateway.Sessions;
using Dilemma.LoadTest.Sessions;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// The monitor under rooms that change many times a second: 21 rooms, in each of which a student keeps
/// revising their choice as fast as the gateway answers. Counted per room in one-second windows from the
/// moment the monitor connected, no room sends more than one room_status a window; and once the churn
/// stops, every room's last change (a second student choosing) reaches the monitor within the coalescing
/// window. The monitor is read by the load test's <see cref="MonitorSocket"/>, which keeps each message's
/// arrival time.
/// </summary>
public sealed class MonitorCoalescingTests(KestrelGatewayFixture gateway) : IClassFixture<KestrelGatewayFixture>
{
    private const int Rooms = 21;

    private static readonly TimeSpan Churn = TimeSpan.FromSeconds(4);

    // The monitor looks at its pending rooms every quarter second, so a change can wait a window and one
    // look more; the rest allows for the shared test machine.
    private static readonly TimeSpan LastChangeBound = SessionMonitor.Interval + TimeSpan.FromMilliseconds(500);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rooms_changing_many_times_a_second_cost_at_most_one_message_a_second_and_their_last_state_arrives()
    {
        var grains = gateway.Services.GetRequiredService<IGrainFactory>();
        var facilitator = await SessionKit.FacilitatorAsync(gateway.Client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SessionKit.EnrolledAsync(gateway.Client, code, Rooms, Ct)))).SelectMany(s => s).ToDictionary(s => s.UserId);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))
            .Select(r => (Code: r.GetProperty("room_code").GetString()!, Seats: SessionKit.UserIds(r).Select(id => students[id]).ToList()))
            .ToList();
        Assert.Equal(Rooms, rooms.Count);

        await using var monitor = await MonitorSocket.ConnectAsync(gateway.Address, code, facilitator.Tokens.AccessToken, TimeSpan.FromSeconds(10), Ct);
        Assert.True(await monitor.UntilAsync(m => rooms.All(r => m.Any(s => s.RoomCode == r.Code)), TimeSpan.FromSeconds(10), Ct), "The monitor did not show every room on connecting.");

        var revisions = await Task.WhenAll(rooms.Select(r => Task.Run(() => ReviseAsync(r.Seats[0], r.Code), Ct)));
        var lastChanges = await Task.WhenAll(rooms.Select(r => Task.Run(() => SecondChoiceAsync(r.Seats[1], r.Code), Ct)));
        var secondChosen = rooms.Select(r => (r.Code, r.Seats[1].UserId)).ToList();
        Assert.True(
            await monitor.UntilAsync(m => secondChosen.All(c => m.Any(s => s.RoomCode == c.Code && s.Chosen.Contains(c.UserId))), TimeSpan.FromSeconds(10), Ct),
            "The monitor did not show every room's last change.");

        var messages = monitor.Messages;
        Assert.Null(monitor.Ended);
        Assert.Equal(0, monitor.Unreadable);
        Assert.All(revisions, count => Assert.True(count >= 2 * Churn.TotalSeconds, $"A room changed only {count} times in {Churn.TotalSeconds} s: not many times a second."));
        TestContext.Current.TestOutputHelper?.WriteLine($"{revisions.Sum()} revisions in {Rooms} rooms over {Churn.TotalSeconds} s; {messages.Count} room_status");
        foreach (var (room, last) in rooms.Zip(lastChanges))
        {
            var ofRoom = messages.Where(m => m.RoomCode == room.Code).ToList();
            // Spaced by the monitor's interval as sent (sent_at): arrival times add the delivery's jitter, which on a busy
            // machine brought two 500 ms apart, and a check on them could only allow some jitter and hope.
            var sent = ofRoom.Select(m => m.SentAt).Order().ToList();
            var closest = sent.Zip(sent.Skip(1), (earlier, later) => later - earlier).DefaultIfEmpty(SessionMonitor.Interval).Min();
            Assert.True(closest >= SessionMonitor.Interval, $"Room {room.Code} sent two room_status {closest.TotalMilliseconds:0} ms apart.");

            // The churn was coalesced, not dropped: the room kept being shown while it changed.
            Assert.InRange(ofRoom.Count, (int)Churn.TotalSeconds - 1, int.MaxValue);
            var shown = ofRoom.First(m => m.Chosen.Contains(room.Seats[1].UserId));
            var delay = shown.ArrivedAt > last ? Stopwatch.GetElapsedTime(last, shown.ArrivedAt) : TimeSpan.Zero;
            Assert.True(delay <= LastChangeBound, $"Room {room.Code}'s last change reached the monitor after {delay.TotalMilliseconds:0} ms.");
            Assert.Equal(new[] { room.Seats[0].UserId, room.Seats[1].UserId }.Order(), shown.Chosen.Order());
        }
    }

    /// <summary>Revises a round-1 choice again and again for the churn's length; answers how many revisions there were.</summary>
    private static async Task<int> ReviseAsync(Player student, string roomCode)
    {
        var until = Stopwatch.GetTimestamp() + (long)(Churn.TotalSeconds * Stopwatch.Frequency);
        var count = 0;
        while (Stopwatch.GetTimestamp() < until)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(student, roomCode, 1, count % 2, 1 + (count % 5), Ct), HttpStatusCode.Created);
            count++;
        }

        return count;
    }

    /// <summary>The room's last change: a second student chooses. Answers when the 201 was read.</summary>
    private static async Task<long> SecondChoiceAsync(Player student, string roomCode)
    {
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(student, roomCode, 1, 0, 3, Ct), HttpStatusCode.Created);
        return Stopwatch.GetTimestamp();
    }
}
