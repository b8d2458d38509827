using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>Cross-room figures, each one query over the research tables — never one query per room.</summary>
public interface IResearchAggregates
{
    Task<IReadOnlyList<TopicFigures>> TopicFiguresAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<RoleFigures>> RoleFiguresAsync(CancellationToken cancellationToken);
}
