using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// Cross-room figures, each one query over the research tables — never one query per room. A <c>study</c> keeps them to
/// the rooms of the sessions given that study label; null, every room.
/// </summary>
public interface IResearchAggregates
{
    Task<IReadOnlyList<TopicFigures>> TopicFiguresAsync(string? study, CancellationToken cancellationToken);

    Task<IReadOnlyList<RoleFigures>> RoleFiguresAsync(string? study, CancellationToken cancellationToken);

    Task<StudyList> StudiesAsync(CancellationToken cancellationToken);
}
