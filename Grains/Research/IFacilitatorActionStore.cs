using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>The <c>facilitator_actions</c> audit: in MariaDB in cluster mode, in memory embedded.</summary>
public interface IFacilitatorActionStore
{
    Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken);

    /// <summary>A session's actions, oldest first.</summary>
    Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken);
}
