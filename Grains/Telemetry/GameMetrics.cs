using Dilemma.Hosting.Telemetry;
using System.Diagnostics.Metrics;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Telemetry;

/// <summary>
/// The game's own instruments in the <c>Dilemma</c> meter, recorded by the grains of this silo. Tags are
/// prebuilt so recording allocates nothing; with no listener (no exporter configured) each call is a few
/// instructions.
/// </summary>
public sealed class GameMetrics
{
    private static readonly KeyValuePair<string, object?> Individual = new("kind", "individual");
    private static readonly KeyValuePair<string, object?> Consensus = new("kind", "consensus");
    private static readonly RoomPhase[] Phases = Enum.GetValues<RoomPhase>();
    private static readonly KeyValuePair<string, object?>[] PhaseTags =
        [.. Phases.Select(phase => new KeyValuePair<string, object?>("phase", phase.ToString().ToLowerInvariant()))];

    private readonly long[] _roomsByPhase = new long[Phases.Length];
    private readonly Counter<long> _gamesFinished;
    private readonly Counter<long> _choices;
    private readonly Counter<long> _aiCalls;

    public GameMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(TelemetryHosting.DilemmaMeter);
        meter.CreateObservableGauge("dilemma.rooms.active", ObserveRooms, "{room}", "Rooms active on this silo, by phase");
        _gamesFinished = meter.CreateCounter<long>("dilemma.games.finished", "{game}", "Games that reached their last consensus");
        _choices = meter.CreateCounter<long>("dilemma.choices", "{choice}", "Choices recorded: individual ones and consensus");
        _aiCalls = meter.CreateCounter<long>("dilemma.ai.calls", "{call}", "Facilitator answers by the provider that answered and the outcome (ok or the fallback reason)");
    }

    /// <summary>A room came into this silo's memory (created, or activated from storage) in <paramref name="phase"/>.</summary>
    public void RoomActivated(RoomPhase phase) => Interlocked.Increment(ref _roomsByPhase[(int)phase]);

    public void RoomDeactivated(RoomPhase phase) => Interlocked.Decrement(ref _roomsByPhase[(int)phase]);

    public void RoomMoved(RoomPhase from, RoomPhase to)
    {
        Interlocked.Decrement(ref _roomsByPhase[(int)from]);
        Interlocked.Increment(ref _roomsByPhase[(int)to]);
        if (to == RoomPhase.Finished)
        {
            _gamesFinished.Add(1);
        }
    }

    public void ChoiceRecorded() => _choices.Add(1, Individual);

    public void ConsensusRecorded() => _choices.Add(1, Consensus);

    /// <summary>One facilitator answer; these are seconds apart, so the tags may be built per call.</summary>
    public void AiAnswered(string kind, AiProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        _aiCalls.Add(
            1,
            new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("provider", provenance.Provider),
            new KeyValuePair<string, object?>("outcome", provenance.FellBack ? provenance.FallbackReason ?? "fallback" : "ok"));
    }

    private IEnumerable<Measurement<long>> ObserveRooms()
    {
        var measurements = new Measurement<long>[Phases.Length];
        for (var i = 0; i < Phases.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref _roomsByPhase[i]), PhaseTags[i]);
        }

        return measurements;
    }
}
