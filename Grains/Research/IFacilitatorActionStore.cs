using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>The <c>facilitator_actions</c> audit: in MariaDB in cluster mode, in memory embedded.</summary>
public interface IFacilitatorActionStore
{
    /// <summary>
    /// Records an action; one whose <see cref="FacilitatorActionEntry.OnceKey"/> the session has recorded already is that row,
    /// and nothing is written (a replayed action is one row).
    /// </summary>
    Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken);

    /// <summary>A session's actions, oldest first.</summary>
    Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken);
}
