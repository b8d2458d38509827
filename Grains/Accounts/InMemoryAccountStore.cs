using System.Runtime.InteropServices;
using Dilemma.Grains.Collections;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// The account store of embedded mode: the same contract as the MySQL store, kept in process
/// memory and lost when the process stops. One lock makes each method atomic.
/// </summary>
public sealed class InMemoryAccountStore : IAccountStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, StoredUser> _users = [];
    private readonly Dictionary<string, long> _byUsernameKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byGuestId = new(StringComparer.Ordinal);
    private readonly Dictionary<TokenKey, StoredToken> _tokens = [];
    private readonly Dictionary<long, HashSet<string>> _roles = [];
    private readonly List<RoleChange> _roleChanges = [];
    private readonly List<ConsentRow> _consentRows = [];
    private long _nextUserId;

    public Task<StoredUser?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_byUsernameKey.ContainsKey(user.UsernameKey))
            {
                return Task.FromResult<StoredUser?>(null);
            }

            var stored = new StoredUser(++_nextUserId, user.Username, user.PasswordHash, user.Email, false, null, null, false, false, user.CreatedAt);
            stored = ApplyConsent(stored, user.Consent);
            _users[stored.Id] = stored;
            _byUsernameKey[user.UsernameKey] = stored.Id;
            return Task.FromResult<StoredUser?>(stored);
        }
    }

    public Task<StoredUser> UpsertGuestAsync(string guestId, string? nickname, DateTime now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_byGuestId.TryGetValue(guestId, out var id))
            {
                var existing = _users[id];
                var updated = existing with { Nickname = nickname ?? existing.Nickname };
                _users[id] = updated;
                return Task.FromResult(updated);
            }

            var guest = new StoredUser(++_nextUserId, null, null, null, true, guestId, nickname, false, false, now);
            _users[guest.Id] = guest;
            _byGuestId[guestId] = guest.Id;
            return Task.FromResult(guest);
        }
    }

    public Task<long> CreateBotAsync(string nickname, DateTime now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // No guest id: like the MySQL row, nothing signs in as a bot.
            var bot = new StoredUser(++_nextUserId, null, null, null, true, null, nickname, false, false, now, IsBot: true);
            _users[bot.Id] = bot;
            return Task.FromResult(bot.Id);
        }
    }

    public Task<StoredUser?> FindByUsernameKeyAsync(string usernameKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_byUsernameKey.TryGetValue(usernameKey, out var id) ? _users[id] : null);
        }
    }

    public Task<StoredUser?> FindByIdAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_users.GetValueOrDefault(userId));
        }
    }

    /// <summary>(users, guests, users with data consent) as of now, for the research counts.</summary>
    public (long Users, long Guests, long DataConsent) CountUsers()
    {
        lock (_lock)
        {
            return (_users.Count, _users.Values.Count(u => u.IsGuest), _users.Values.Count(u => u.DataConsent));
        }
    }

    /// <summary>People (users, guests, with data consent) and bots as of now, for the research counts: a bot is no person to count.</summary>
    public (long Users, long Guests, long DataConsent, IReadOnlySet<long> Bots) CountForResearch()
    {
        lock (_lock)
        {
            var people = _users.Values.Where(u => !u.IsBot).ToList();
            return (people.Count, people.Count(u => u.IsGuest), people.Count(u => u.DataConsent), _users.Values.Where(u => u.IsBot).Select(u => u.Id).ToHashSet());
        }
    }

    public Task RecordLoginAsync(long userId, DateTime now, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StoredUser?> RecordConsentAsync(long userId, ConsentDecision decision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(userId, out var user))
            {
                return Task.FromResult<StoredUser?>(null);
            }

            user = ApplyConsent(user, decision);
            _users[userId] = user;
            return Task.FromResult<StoredUser?>(user);
        }
    }

    public Task<IReadOnlyList<ConsentRow>> GetConsentRowsAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ConsentRow>>(_consentRows.Where(r => r.UserId == userId).ToList());
        }
    }

    public Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _tokens[TokenKey.Of(token.TokenHash)] = StoredToken.Of(token);
            return Task.CompletedTask;
        }
    }

    public Task<RotationResult> RotateRefreshTokenAsync(byte[] presentedHash, Func<RefreshTokenRecord, RefreshTokenRecord> next, DateTime now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var presentedKey = TokenKey.Of(presentedHash);
            if (!_tokens.TryGetValue(presentedKey, out var presented))
            {
                return Task.FromResult(new RotationResult(RotationOutcome.Unknown));
            }

            if (presented.RevokedAt is not null)
            {
                return Task.FromResult(new RotationResult(RotationOutcome.Revoked));
            }

            if (presented.UsedAt is not null)
            {
                RevokeFamily(presented.Family, now);
                return Task.FromResult(new RotationResult(RotationOutcome.Reused, FamilyId: StoredToken.FamilyIdOf(presented.Family)));
            }

            if (presented.ExpiresAt <= now)
            {
                return Task.FromResult(new RotationResult(RotationOutcome.Expired));
            }

            presented.UsedAt = now;
            var successor = next(presented.ToRecord(presentedKey));
            _tokens[TokenKey.Of(successor.TokenHash)] = StoredToken.Of(successor);
            return Task.FromResult(new RotationResult(RotationOutcome.Rotated, presented.UserId, StoredToken.FamilyIdOf(presented.Family)));
        }
    }

    public Task<byte[]?> RevokeFamilyAsync(byte[] tokenHash, DateTime now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_tokens.TryGetValue(TokenKey.Of(tokenHash), out var token))
            {
                return Task.FromResult<byte[]?>(null);
            }

            RevokeFamily(token.Family, now);
            return Task.FromResult<byte[]?>(StoredToken.FamilyIdOf(token.Family));
        }
    }

    public Task<IReadOnlyList<RevokedFamily>> GetFamiliesRevokedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // A scan of every token: run once per activation of the revocation list, never per request.
            IReadOnlyList<RevokedFamily> revoked = _tokens.Values
                .Where(t => t.RevokedAt >= since)
                .GroupBy(t => t.Family)
                .Select(family => new RevokedFamily(StoredToken.FamilyIdOf(family.Key), family.Max(t => t.RevokedAt!.Value)))
                .OrderBy(family => family.RevokedAt)
                .ToList();
            return Task.FromResult(revoked);
        }
    }

    /// <summary>
    /// Drops the refresh tokens of sign-ins whose every token has expired: such a token can only be
    /// refused. A family with a live token is kept whole, so a used one presented again still revokes it.
    /// Answers how many tokens were dropped.
    /// </summary>
    /// <remarks>
    /// The sweep calls this every <c>Embedded:SweepSeconds</c> and refresh tokens live for days, so mostly none has
    /// expired, and then nothing is allocated. Gathering every live family first, as it once did, built a set of all
    /// sign-ins on every sweep: about a megabyte at 10,000 guests, most of what an idle process allocated, so its
    /// resident memory grew again after each compaction (docs/benchmarks.md, Embedded memory).
    /// </remarks>
    public int DropExpiredRefreshTokens(DateTime now)
    {
        lock (_lock)
        {
            HashSet<UInt128>? expiredFamilies = null;
            foreach (var token in _tokens.Values)
            {
                if (token.ExpiresAt <= now)
                {
                    (expiredFamilies ??= []).Add(token.Family);
                }
            }

            if (expiredFamilies is null)
            {
                return 0;
            }

            foreach (var token in _tokens.Values)
            {
                if (token.ExpiresAt > now)
                {
                    expiredFamilies.Remove(token.Family);
                }
            }

            var expired = _tokens.Where(t => expiredFamilies.Contains(t.Value.Family)).Select(t => t.Key).ToList();
            foreach (var key in expired)
            {
                _tokens.Remove(key);
            }

            UnusedRoom.GiveBack(_tokens);
            return expired.Count;
        }
    }

    /// <summary>
    /// Forgets guests (bots included) beyond <paramref name="keep"/>, least recently signed in first (the newest refresh
    /// token's issue; the account's creation for a bot), sparing those in <paramref name="seated"/> and those signed in
    /// at or after <paramref name="signedInBefore"/>: each goes with its guest id, refresh tokens, roles and consent rows.
    /// Answers how many were forgotten.
    /// </summary>
    public int ForgetGuestsBeyond(int keep, IReadOnlySet<long> seated, DateTime signedInBefore)
    {
        lock (_lock)
        {
            var lastSignIn = new Dictionary<long, DateTime>();
            foreach (var token in _tokens.Values)
            {
                if (!lastSignIn.TryGetValue(token.UserId, out var seen) || token.IssuedAt > seen)
                {
                    lastSignIn[token.UserId] = token.IssuedAt;
                }
            }

            var guests = _users.Values.Where(u => u.IsGuest).ToList();
            var forgotten = guests
                .Select(u => (User: u, SignedIn: lastSignIn.GetValueOrDefault(u.Id, u.CreatedAt)))
                .Where(g => g.SignedIn < signedInBefore && !seated.Contains(g.User.Id))
                .OrderBy(g => g.SignedIn)
                .Take(Math.Max(0, guests.Count - keep))
                .Select(g => g.User)
                .ToList();
            if (forgotten.Count == 0)
            {
                return 0;
            }

            var ids = forgotten.Select(u => u.Id).ToHashSet();
            foreach (var guest in forgotten)
            {
                _users.Remove(guest.Id);
                _roles.Remove(guest.Id);
                if (guest.GuestId is { } guestId)
                {
                    _byGuestId.Remove(guestId);
                }
            }

            foreach (var key in _tokens.Where(t => ids.Contains(t.Value.UserId)).Select(t => t.Key).ToList())
            {
                _tokens.Remove(key);
            }

            _consentRows.RemoveAll(r => ids.Contains(r.UserId));
            _roleChanges.RemoveAll(c => ids.Contains(c.UserId));
            UnusedRoom.GiveBack(_users);
            UnusedRoom.GiveBack(_byGuestId);
            UnusedRoom.GiveBack(_tokens);
            UnusedRoom.GiveBack(_consentRows);
            return forgotten.Count;
        }
    }

    /// <summary>For tests: the refresh tokens kept (live, used or revoked).</summary>
    public int CountRefreshTokens()
    {
        lock (_lock)
        {
            return _tokens.Count;
        }
    }

    public Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(RolesOf(userId));
        }
    }

    public Task<IReadOnlyList<string>?> ChangeRolesAsync(
        long userId,
        Func<StoredUser, IReadOnlyList<string>, IReadOnlyCollection<string>> change,
        RoleActor actor,
        DateTime now,
        CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(userId, out var user))
            {
                return Task.FromResult<IReadOnlyList<string>?>(null);
            }

            var before = RolesOf(userId);
            var after = AccountRoles.Ordered(change(user, before));
            var at = new DateTimeOffset(now, TimeSpan.Zero);
            foreach (var role in after.Except(before))
            {
                _roleChanges.Add(new RoleChange(userId, role, true, actor.UserId, actor.Name, at));
            }

            foreach (var role in before.Except(after))
            {
                _roleChanges.Add(new RoleChange(userId, role, false, actor.UserId, actor.Name, at));
            }

            _roles[userId] = after.ToHashSet(StringComparer.Ordinal);
            return Task.FromResult<IReadOnlyList<string>?>(after);
        }
    }

    public Task<IReadOnlyList<RoleChange>> GetRoleChangesAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<RoleChange> changes = _roleChanges.Where(c => c.UserId == userId).Reverse().ToList();
            return Task.FromResult(changes);
        }
    }

    public Task<bool> AnyoneHoldsAsync(string role, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_roles.Values.Any(roles => roles.Contains(role)));
        }
    }

    private IReadOnlyList<string> RolesOf(long userId) =>
        _roles.TryGetValue(userId, out var roles) ? AccountRoles.Ordered(roles) : [];

    // Called under the lock: the rows and the new state go in together.
    private StoredUser ApplyConsent(StoredUser user, ConsentDecision decision)
    {
        _consentRows.AddRange(decision.RowsFor(user.Id, user.DataConsent, user.VoiceConsent));
        return decision.Apply(user);
    }

    private void RevokeFamily(UInt128 family, DateTime now)
    {
        foreach (var token in _tokens.Values.Where(t => t.RevokedAt is null && t.Family == family))
        {
            token.RevokedAt = now;
        }
    }

    // A refresh token as kept here: the hash is the dictionary's key and the family a number, both inline, rather than
    // two arrays, a record and a hex string key per token (about 390 bytes a sign-in, 140 now; every guest holds one).
    private readonly record struct TokenKey(UInt128 First, UInt128 Second)
    {
        private const int HashBytes = 32;

        public static TokenKey Of(byte[] hash)
        {
            if (hash.Length != HashBytes)
            {
                throw new ArgumentException($"A refresh token hash is {HashBytes} bytes (SHA-256), not {hash.Length}.", nameof(hash));
            }

            return new(MemoryMarshal.Read<UInt128>(hash), MemoryMarshal.Read<UInt128>(hash.AsSpan(HashBytes / 2)));
        }

        public byte[] ToBytes()
        {
            var bytes = new byte[HashBytes];
            MemoryMarshal.Write(bytes, First);
            MemoryMarshal.Write(bytes.AsSpan(HashBytes / 2), Second);
            return bytes;
        }
    }

    private sealed class StoredToken(UInt128 family, long userId, DateTime issuedAt, DateTime expiresAt)
    {
        private const int FamilyBytes = 16;

        public UInt128 Family => family;

        public long UserId => userId;

        public DateTime IssuedAt => issuedAt;

        public DateTime ExpiresAt => expiresAt;

        public DateTime? UsedAt { get; set; }

        public DateTime? RevokedAt { get; set; }

        public static StoredToken Of(RefreshTokenRecord record)
        {
            if (record.FamilyId.Length != FamilyBytes)
            {
                throw new ArgumentException($"A refresh token family id is {FamilyBytes} bytes, not {record.FamilyId.Length}.", nameof(record));
            }

            return new(MemoryMarshal.Read<UInt128>(record.FamilyId), record.UserId, record.IssuedAt, record.ExpiresAt);
        }

        public static byte[] FamilyIdOf(UInt128 family)
        {
            var familyId = new byte[FamilyBytes];
            MemoryMarshal.Write(familyId, family);
            return familyId;
        }

        public RefreshTokenRecord ToRecord(TokenKey key) => new(key.ToBytes(), FamilyIdOf(family), userId, issuedAt, expiresAt);
    }
}
