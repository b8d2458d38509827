using Dilemma.Grains.Interfaces.Diagnostics;
using Orleans.Concurrency;

namespace Dilemma.Grains.Diagnostics;

[StatelessWorker]
[Reentrant]
public sealed class DiagnosticsGrain(IStorageProbe probe) : Grain, IDiagnosticsGrain
{
    public Task<DependencyReport> CheckStorageAsync(CancellationToken cancellationToken) => probe.CheckAsync(cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
