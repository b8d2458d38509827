using Dilemma.Grains.Interfaces.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Research;

[StatelessWorker]
[Reentrant]
public sealed class ResearchStatisticsGrain(IResearchAggregates aggregates, TimeProvider time) : Grain, IResearchStatisticsGrain
{
    public async Task<ResearchStatistics> GetAsync(CancellationToken cancellationToken) =>
        new(await aggregates.TopicFiguresAsync(cancellationToken), await aggregates.RoleFiguresAsync(cancellationToken), time.GetUtcNow());
}
