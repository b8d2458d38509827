using Dilemma.Grains.Interfaces.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Research;

[StatelessWorker]
[Reentrant]
public sealed class ResearchStatisticsGrain(IResearchAggregates aggregates, TimeProvider time) : Grain, IResearchStatisticsGrain
{
    public Task<ResearchStatistics> GetAsync(CancellationToken cancellationToken) => ComputeAsync(null, cancellationToken);

    public Task<ResearchStatistics> GetForStudyAsync(string study, CancellationToken cancellationToken) =>
        ComputeAsync(study ?? throw new ArgumentNullException(nameof(study)), cancellationToken);

    public Task<StudyList> ListStudiesAsync(CancellationToken cancellationToken) => aggregates.StudiesAsync(cancellationToken);

    private async Task<ResearchStatistics> ComputeAsync(string? study, CancellationToken cancellationToken) =>
        new(await aggregates.TopicFiguresAsync(study, cancellationToken), await aggregates.RoleFiguresAsync(study, cancellationToken), time.GetUtcNow(), study);
}
