using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>What a sheet's in-memory read has of the export's session: the rooms it selected (in room code order) and the stores.</summary>
public sealed class InMemorySheetContext
{
    private readonly InMemoryAccountStore _accounts;
    private readonly Dictionary<long, StoredUser?> _users;

    internal InMemorySheetContext(
        IReadOnlyList<RecordedRoom> rooms,
        InMemoryResearchStore research,
        IReadOnlyList<FacilitatorActionEntry> facilitatorActions,
        InMemoryAccountStore accounts,
        Dictionary<long, StoredUser?> users)
    {
        Rooms = rooms;
        Research = research;
        FacilitatorActions = facilitatorActions;
        _accounts = accounts;
        _users = users;
    }

    /// <summary>The rooms the export's filter selected, ordered by room code.</summary>
    public IReadOnlyList<RecordedRoom> Rooms { get; }

    public InMemoryResearchStore Research { get; }

    /// <summary>Every facilitator action recorded, in the order recorded.</summary>
    public IReadOnlyList<FacilitatorActionEntry> FacilitatorActions { get; }

    /// <summary>Whether a user's rows may leave: data consent, or a bot's seat (as <see cref="MySqlSheetContext.Exported"/>).</summary>
    public async ValueTask<bool> IsExportedAsync(long userId, CancellationToken cancellationToken) =>
        await UserAsync(userId, cancellationToken) is { DataConsent: true } or { IsBot: true };

    /// <summary>The account of a user id, or null when there is none; each looked up once per export.</summary>
    public async ValueTask<StoredUser?> UserAsync(long userId, CancellationToken cancellationToken)
    {
        if (!_users.TryGetValue(userId, out var user))
        {
            user = await _accounts.FindByIdAsync(userId, cancellationToken);
            _users[userId] = user;
        }

        return user;
    }
}
