using Dilemma.Grains.Interfaces.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Research;

[StatelessWorker]
[Reentrant]
public sealed class ResearchCountsGrain(IResearchCounts source, TimeProvider time) : Grain, IResearchCountsGrain
{
    public Task<ResearchCounts> GetCountsAsync(CancellationToken cancellationToken) => source.CountAsync(time.GetUtcNow(), cancellationToken);
}
