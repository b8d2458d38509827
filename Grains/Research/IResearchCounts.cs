using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>What the research tables hold now, counted (<c>GET /research/experiments/counts</c>).</summary>
public interface IResearchCounts
{
    Task<ResearchCounts> CountAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
