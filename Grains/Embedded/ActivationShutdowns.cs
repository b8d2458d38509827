using System.Diagnostics.Metrics;

namespace Dilemma.Grains.Embedded;

/// <summary>
/// How many grain activations this process has shut down, read from Orleans' own
/// <c>orleans-catalog-activation-shutdown</c> counter. A collected grain's state becomes garbage with no sweep to say
/// so, and an idle process allocates too little to start a collection by itself, so <see cref="IdleHeapCompaction"/>
/// counts these as data dropped. Orleans' meter is one per process: with several silos in one process (tests), all
/// of theirs are counted.
/// </summary>
public sealed class ActivationShutdowns : IDisposable
{
    public const string OrleansMeterName = "Microsoft.Orleans";

    public const string ShutdownInstrumentName = "orleans-catalog-activation-shutdown";

    private readonly MeterListener _listener = new();
    private long _count;

    public ActivationShutdowns()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Name: ShutdownInstrumentName, Meter.Name: OrleansMeterName })
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, shutDown, _, _) => Interlocked.Add(ref _count, shutDown));
        _listener.Start();
    }

    /// <summary>Activations shut down since this process began counting.</summary>
    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
