using System.Net;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A room whose state write fails after its research rows were written comes back, at its next activation, as its rows
/// say, and what the retry repeats is recorded once. Embedded mode, its grain storage failing the one write the test
/// arms, its clock shifted as the test says.
/// </summary>
public sealed class FailedSaveTests : IAsyncDisposable
{
    /// <summary>The room's deadline reminder (RoomGrain.Timers).</summary>
    private const string DeadlineReminder = "round-deadline";

    private readonly FailingRoomWrites _failing = new();
    private readonly CountingReminderTable _reminders = new();
    private readonly ShiftedClock _clock = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public FailedSaveTests()
    {
        _gateway = new GatewayFactory(services: s => _reminders.AroundReminderTable(_failing.AroundGameStorage(s.AddSingleton<TimeProvider>(_clock))));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The last choice of a round opens the consensus clock in the save after its row. When that save failed, the retry
    /// was answered from the row and nothing opened the clock again: a room with only a consensus timer waited for ever.
    /// </summary>
    [Fact]
    public async Task A_last_choice_whose_save_failed_still_opens_the_consensus_clock()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = await StartedAsync(players, new { title = "Clock after a failed save", topic = RoomKit.Topic, consensus_seconds = 60 });
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);

        var submissionId = Guid.NewGuid().ToString("N");
        _failing.FailNext(code);
        using (var failed = await RoomKit.ChooseAsync(players[2], code, 1, 1, 3, Ct, submissionId))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        var retry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 1, 3, Ct, submissionId), HttpStatusCode.Created);
        Assert.True(retry.GetProperty("replayed").GetBoolean());
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("consensus", room.GetProperty("deadline_kind").GetString());
        Assert.InRange(room.GetProperty("deadline_at").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// A deadline applied in a call whose save then failed is applied again by the retry (or the reminder), and each late
    /// seat was recorded timed_out twice, twice in the export. An event that happens once is now recorded once.
    /// </summary>
    [Fact]
    public async Task A_deadline_applied_again_after_a_failed_save_records_each_late_seat_once()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = await StartedAsync(players, new { title = "Deadline after a failed save", topic = RoomKit.Topic, choice_seconds = 600 });
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Created);

        // Past the deadline by the room's clock: the next choice applies it first, and that save fails.
        _clock.Shift = TimeSpan.FromMinutes(11);
        _failing.FailNext(code);
        using (var failed = await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Conflict, "choices_closed");
        var timedOut = _gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code)
            .Where(e => e.EventType == RoomEventType.TimedOut).Select(e => e.UserId!.Value).Order();
        Assert.Equal(new[] { players[1].UserId, players[2].UserId }.Order(), timedOut);
    }

    /// <summary>
    /// An early end writes its ended_early row (and the room's finished row) before the room's state. When that save
    /// failed, the room came back started: the export said ended, the room played on, and the host's retry ended it
    /// again, a second ended_early. The room now comes back finished as recorded, and the retry is refused as any second end.
    /// </summary>
    [Fact]
    public async Task An_end_whose_save_failed_is_the_end_the_room_comes_back_with()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = await StartedAsync(players, new { title = "End after a failed save", topic = RoomKit.Topic });

        _failing.FailNext(code);
        using (var failed = await players[0].PostAsync($"/rooms/{code}/end", null, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        Assert.Equal(players[0].UserId, room.GetProperty("ended_early_by").GetInt64());
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/end", null, Ct), HttpStatusCode.Conflict, "room_finished");
        var ends = _gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code).Where(e => e.EventType == RoomEventType.EndedEarly);
        Assert.Equal(players[0].UserId, Assert.Single(ends).ActorId);
    }

    /// <summary>
    /// A consensus whose save failed is taken from its row when the room comes back, and the next round's deadline reminder
    /// is set then. It was set twice in that activation (by the adoption and again by the restore of the round's clock):
    /// two writes to the reminder table, each a row written in cluster mode, for one deadline.
    /// </summary>
    [Fact]
    public async Task A_consensus_taken_from_its_row_after_a_failed_save_sets_the_next_deadline_reminder_once()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = await StartedAsync(players, new { title = "Consensus after a failed save", topic = RoomKit.Topic, choice_seconds = 600 });
        for (var i = 0; i < players.Length; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[i], code, 1, i % 2, 3, Ct), HttpStatusCode.Created);
        }

        var before = _reminders.Upserts(code, DeadlineReminder);
        _failing.FailNext(code);
        using (var failed = await RoomKit.ConsensusAsync(players[0], code, 1, 1, 3, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        Assert.Equal(before, _reminders.Upserts(code, DeadlineReminder));
        var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("current_round").GetInt32());
        Assert.Equal("choice", room.GetProperty("deadline_kind").GetString());
        Assert.Equal(before + 1, _reminders.Upserts(code, DeadlineReminder));
    }

    /// <summary>
    /// A recording start writes its row before the room's save. When that save failed, the room came back not recording and
    /// the participant's retry wrote a second recording_started. The retry now takes the start as recorded, once.
    /// </summary>
    [Fact]
    public async Task A_recording_start_whose_save_failed_is_recorded_once_when_sent_again()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = await StartedAsync(players, new { title = "Recording after a failed save", topic = RoomKit.Topic });
        foreach (var player in players[..2])
        {
            await Dilemma.Tests.Realtime.RealtimeKit.GiveVoiceConsentAsync(player, Ct);
        }

        var room = _gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRoomPresence>(code);
        var research = _gateway.Services.GetRequiredService<InMemoryResearchStore>();

        _failing.FailNext(code);
        var failed = await Assert.ThrowsAsync<OrleansException>(() => room.SetRecordingAsync(players[0].UserId, recording: true, Ct));
        Assert.IsType<StorageFailedException>(failed.InnerException);
        var started = Assert.Single(research.RecordingEvents(code));

        var retried = await room.SetRecordingAsync(players[0].UserId, recording: true, Ct);

        Assert.Equal((true, (long?)players[0].UserId), (retried.IsRecording, retried.ChangedBy));
        Assert.Equal([(players[0].UserId, RecordingEventType.Started)], research.RecordingEvents(code).Select(e => (e.UserId, e.Type)));
        Assert.Equal(started.At, retried.ChangedAt!.Value.UtcDateTime);

        // A stop after it is a change of its own, recorded.
        Assert.False((await room.SetRecordingAsync(players[1].UserId, recording: false, Ct)).IsRecording);
        Assert.Equal([RecordingEventType.Started, RecordingEventType.Stopped], research.RecordingEvents(code).Select(e => e.Type));
    }

    /// <summary>A public room created with <paramref name="creation"/>, its three players seated with roles, round 1 open.</summary>
    private async Task<string> StartedAsync(Player[] players, object creation)
    {
        var code = RoomKit.Code(await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync("/rooms/public", creation, Ct), HttpStatusCode.Created));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments = players.Select((p, i) => new { user_id = p.UserId, role_id = i + 1 }) }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        return code;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
