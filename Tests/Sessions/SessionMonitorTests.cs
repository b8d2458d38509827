using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// The facilitator's live monitor over a real WebSocket: every room of the session on connect, a student's
/// choice (who, never what) within a second, and nobody but the session's facilitator let in. In cluster
/// mode the monitor sits on the other gateway from the students' requests.
/// </summary>
public abstract class SessionMonitorTests(Uri gateway, Uri monitorGateway, HttpClient client, IServiceProvider services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task The_monitor_shows_every_room_and_a_students_choice_within_a_second_without_the_choice()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var roomCodes = rooms.Select(r => r.GetProperty("room_code").GetString()!).ToList();

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);
        var first = new Dictionary<string, JsonElement>();
        while (first.Count < roomCodes.Count)
        {
            var status = await monitor.NextAsync("room_status", Ct);
            first[status.GetProperty("room_code").GetString()!] = status;
        }

        Assert.Equal(roomCodes.Order(), first.Keys.Order());
        var watched = rooms[0];
        var before = first[roomCodes[0]];
        Assert.Equal("started", before.GetProperty("phase").GetString());
        Assert.Equal(1, before.GetProperty("round").GetInt32());
        Assert.Equal(0, before.GetProperty("chosen").GetArrayLength());
        Assert.InRange(before.GetProperty("seconds_left").GetInt32(), 590, 600);
        Assert.Equal(SessionKit.UserIds(watched).Order(), before.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()).Order());
        Assert.All(before.GetProperty("participants").EnumerateArray(), p => Assert.False(p.GetProperty("is_bot").GetBoolean()));

        var chooser = students.Single(s => s.UserId == SessionKit.UserIds(watched)[0]);
        var clock = Stopwatch.StartNew();
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(chooser, roomCodes[0], 1, 1, 3, Ct), HttpStatusCode.Created);
        var after = await monitor.NextAsync(
            m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == roomCodes[0] && m.GetProperty("chosen").GetArrayLength() == 1,
            "the watched room with one choice",
            Ct);
        clock.Stop();

        // Coalescing holds a change at most one window after the room's last message; the rest is the request itself.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"The choice reached the monitor after {clock.Elapsed}.");
        Assert.Equal(chooser.UserId, after.GetProperty("chosen")[0].GetInt64());
        // Who has chosen, never what: no field of the message carries a choice.
        Assert.Equal(
            ["chosen", "deadline_at", "deadline_kind", "participants", "paused", "phase", "room_code", "round", "seconds_left", "type", "version"],
            after.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["is_bot", "nickname", "presence", "role_id", "user_id"], after.GetProperty("participants")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(monitor.Received, m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == roomCodes[1] && m.GetProperty("chosen").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_student_a_facilitator_of_another_session_and_a_stranger_are_refused_before_the_upgrade()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var student = (await SessionKit.EnrolledAsync(client, code, 1, Ct))[0];
        var other = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        await SessionKit.CreateAsync(other, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor?token={student.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor?token={other.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor", Ct));
        Assert.Equal(HttpStatusCode.NotFound, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/ZZZZZZZZZZ/monitor?token={facilitator.Tokens.AccessToken}", Ct));

        // The session's own facilitator gets in, before any room opened: an empty session sends nothing yet.
        await using var monitor = await MonitorAsync(gateway, facilitator, code);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, monitor.State);
    }

    private static Task<SocketClient> MonitorAsync(Uri at, Player facilitator, string code) =>
        SocketClient.ConnectAsync(at, $"/ws/sessions/{code}/monitor?token={facilitator.Tokens.AccessToken}", Ct);
}

public sealed class EmbeddedSessionMonitorTests(KestrelGatewayFixture gateway)
    : SessionMonitorTests(gateway.Address, gateway.Address, gateway.Client, gateway.Services), IClassFixture<KestrelGatewayFixture>;

public sealed class ClusterSessionMonitorTests(ClusterKestrelFixture cluster)
    : SessionMonitorTests(cluster.First, cluster.Second, cluster.Client, cluster.Services), IClassFixture<ClusterKestrelFixture>;
