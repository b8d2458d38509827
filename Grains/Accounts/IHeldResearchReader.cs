using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Reads one user's rows out of the research tables, for <c>GET /auth/me/data</c>. Declared here, beside the
/// user grain that asks, and implemented by the research stores (which already know the accounts, not the
/// other way round). Every time is UTC.
/// </summary>
public interface IHeldResearchReader
{
    Task<HeldResearchData> ReadAsync(long userId, CancellationToken cancellationToken);
}
