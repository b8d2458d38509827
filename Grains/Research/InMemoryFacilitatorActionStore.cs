using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>The audit in process memory (embedded mode): gone with the process, like everything else there.</summary>
public sealed class InMemoryFacilitatorActionStore : IFacilitatorActionStore
{
    private readonly Lock _lock = new();
    private readonly List<FacilitatorActionEntry> _entries = [];

    public Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // As MySQL's unique (session_code, once_key): a replayed action that has a key is the row already there.
            if (entry.OnceKey is null || !_entries.Exists(e => e.SessionCode == entry.SessionCode && e.OnceKey == entry.OnceKey))
            {
                _entries.Add(entry);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Every action recorded, in order: the research export's facilitator_actions sheet reads them by room.</summary>
    public IReadOnlyList<FacilitatorActionEntry> All()
    {
        lock (_lock)
        {
            return [.. _entries];
        }
    }

    public Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<FacilitatorActionEntry>>(_entries.Where(e => e.SessionCode == sessionCode).ToList());
        }
    }

    /// <summary>The actions about this user (whom they acted on, not who acted), oldest first: <c>GET /auth/me/data</c> lists them.</summary>
    public IReadOnlyList<FacilitatorActionEntry> About(long userId)
    {
        lock (_lock)
        {
            return _entries.Where(e => e.UserId == userId).ToList();
        }
    }

    /// <summary>Drops the actions on these rooms, whose rows embedded mode no longer keeps; answers how many.</summary>
    public int DropRooms(IReadOnlySet<string> roomCodes)
    {
        lock (_lock)
        {
            return _entries.RemoveAll(e => e.RoomCode is { } room && roomCodes.Contains(room));
        }
    }

    /// <summary>Drops the actions about these seats (a user in a room), as retention removes the seats; answers how many.</summary>
    public int DropSeats(IReadOnlySet<(string Room, long User)> seats)
    {
        lock (_lock)
        {
            return _entries.RemoveAll(e => e is { RoomCode: { } room, UserId: { } user } && seats.Contains((room, user)));
        }
    }

    /// <summary>Drops the actions about this user, as a withdrawal erases them (never those they took); answers how many.</summary>
    public int DropAbout(long userId)
    {
        lock (_lock)
        {
            return _entries.RemoveAll(e => e.UserId == userId);
        }
    }
}
