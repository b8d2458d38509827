using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// The recording changes at most once a second per participant, each change a research row. The room's clock is held
/// while a participant toggles in a loop: on a loaded machine fifty messages can take longer than the second the rule
/// is about, and then the rule, not the test, would decide what the loop may write.
/// </summary>
public sealed class RecordingRateTests : IAsyncDisposable
{
    private readonly ShiftedClock _clock = new();
    private readonly GatewayFactory _gateway;

    public RecordingRateTests() => _gateway = new GatewayFactory(services: s => s.AddSingleton<TimeProvider>(_clock));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Recording_toggles_are_idempotent_and_change_at_most_once_a_second_per_participant()
    {
        var address = _gateway.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        await RealtimeKit.GiveVoiceConsentAsync(players[0], Ct);
        await using var a = await RealtimeKit.VoiceAsync(address, players[0], code, Ct);
        _clock.Hold();

        // Starting what is started writes nothing; stopping within the second is refused.
        await a.SendAsync(new { type = "start_recording" }, Ct);
        await a.NextAsync("recording_state", Ct);
        for (var i = 0; i < 25; i++)
        {
            await a.SendAsync(new { type = "start_recording" }, Ct);
            await a.SendAsync(new { type = "stop_recording" }, Ct);
        }

        await a.SendAsync(new { type = "ping" }, Ct);
        await a.NextAsync("pong", Ct);
        var store = _gateway.Services.GetRequiredService<InMemoryResearchStore>();
        Assert.Equal([RecordingEventType.Started], store.RecordingEvents(code).Select(e => e.Type).ToArray());
        var refused = a.Received.Where(m => m.GetProperty("type").GetString() == "error").Select(m => m.GetProperty("code").GetString()).ToList();
        Assert.Equal(25, refused.Count);
        Assert.All(refused, code => Assert.Equal("rate_limited", code));
        Assert.Single(a.Received, m => m.GetProperty("type").GetString() == "recording_state");

        // A second later by the room's clock the change goes through, once.
        _clock.Shift = TimeSpan.FromSeconds(1);
        await a.SendAsync(new { type = "stop_recording" }, Ct);
        var stopped = await a.NextAsync("recording_state", Ct);
        Assert.False(stopped.GetProperty("is_recording").GetBoolean());
        Assert.Equal([RecordingEventType.Started, RecordingEventType.Stopped], store.RecordingEvents(code).Select(e => e.Type).ToArray());
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();
}
