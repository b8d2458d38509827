using Dapper;
using Dilemma.Grains.Interfaces.Accounts;
using MySqlConnector;

namespace Dilemma.Grains.Accounts;

/// <summary>Users and refresh tokens in the relational tables <c>users</c> and <c>refresh_tokens</c>.</summary>
public sealed class MySqlAccountStore(MySqlDataSource dataSource) : IAccountStore
{
    private const string UserColumns =
        "id AS Id, username AS Username, password_hash AS PasswordHash, email AS Email, is_guest AS IsGuest, " +
        "guest_id AS GuestId, nickname AS Nickname, data_consent AS DataConsent, voice_consent AS VoiceConsent, created_at AS CreatedAt, " +
        "data_consent_version AS DataConsentVersion, data_consent_at AS DataConsentAt, voice_consent_version AS VoiceConsentVersion, voice_consent_at AS VoiceConsentAt, is_bot AS IsBot";

    public async Task<StoredUser?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO users (username, username_key, email, password_hash, is_guest, data_consent, voice_consent, created_at, last_login_at)
                VALUES (@Username, @UsernameKey, @Email, @PasswordHash, 0, 0, 0, @CreatedAt, @CreatedAt);
                SELECT LAST_INSERT_ID();
                """,
                user,
                transaction,
                cancellationToken: cancellationToken));
            var created = new StoredUser(id, user.Username, user.PasswordHash, user.Email, false, null, null, false, false, user.CreatedAt);
            created = await ApplyConsentAsync(connection, transaction, created, user.Consent, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return created;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            return null;
        }
    }

    public async Task<StoredUser> UpsertGuestAsync(string guestId, string? nickname, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (is_guest, guest_id, nickname, data_consent, voice_consent, created_at, last_login_at)
            VALUES (1, @guestId, @nickname, 0, 0, @now, @now)
            ON DUPLICATE KEY UPDATE nickname = COALESCE(@nickname, nickname), last_login_at = @now
            """,
            new { guestId, nickname, now },
            cancellationToken: cancellationToken));
        return await connection.QuerySingleAsync<StoredUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE guest_id = @guestId",
            new { guestId },
            cancellationToken: cancellationToken));
    }

    public async Task<long> CreateBotAsync(string nickname, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO users (is_guest, is_bot, nickname, data_consent, voice_consent, created_at)
            VALUES (1, 1, @nickname, 0, 0, @now);
            SELECT LAST_INSERT_ID();
            """,
            new { nickname, now },
            cancellationToken: cancellationToken));
    }

    public async Task<StoredUser?> FindByUsernameKeyAsync(string usernameKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE username_key = @usernameKey",
            new { usernameKey },
            cancellationToken: cancellationToken));
    }

    public async Task<StoredUser?> FindByIdAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindByIdAsync(connection, userId, cancellationToken);
    }

    public async Task RecordLoginAsync(long userId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET last_login_at = @now WHERE id = @userId",
            new { userId, now },
            cancellationToken: cancellationToken));
    }

    public async Task<StoredUser?> RecordConsentAsync(long userId, ConsentDecision decision, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row lock orders two decisions of one user, so each row says truly whether a consent was held.
        var user = await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE id = @userId FOR UPDATE",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        if (user is null)
        {
            return null;
        }

        user = await ApplyConsentAsync(connection, transaction, user, decision, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    public async Task<IReadOnlyList<ConsentRow>> GetConsentRowsAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConsentRecordRow>(new CommandDefinition(
            """
            SELECT user_id AS UserId, kind AS Kind, version AS Version, decision AS Decision, recorded_at AS RecordedAt
            FROM consent_records WHERE user_id = @userId ORDER BY id
            """,
            new { userId },
            cancellationToken: cancellationToken));
        return rows.Select(r => new ConsentRow(r.UserId, r.Kind, r.Version, r.Decision == "granted", r.RecordedAt)).ToList();
    }

    public async Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await InsertTokenAsync(connection, null, token, cancellationToken);
    }

    // Rotations of one token that meet each other's locks: InnoDB ends one of them as a deadlock victim, its transaction undone.
    private const int RotationAttempts = 5;

    public async Task<RotationResult> RotateRefreshTokenAsync(
        byte[] presentedHash,
        Func<RefreshTokenRecord, RefreshTokenRecord> next,
        DateTime now,
        CancellationToken cancellationToken)
    {
        // Several requests presenting one token at once (a browser's tabs) wait on its row lock; as the rotation inserts the
        // successor and a reuse revokes the family, InnoDB may find them deadlocked and undo one. Undone whole, it is run
        // again, and then sees the token as the others left it: a reuse, not a database error.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RotateOnceAsync(presentedHash, next, now, cancellationToken);
            }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.LockDeadlock && attempt < RotationAttempts)
            {
                // Run again at once: the transaction that won has committed or is about to, and its lock is what this one waits on.
            }
        }
    }

    private async Task<RotationResult> RotateOnceAsync(
        byte[] presentedHash,
        Func<RefreshTokenRecord, RefreshTokenRecord> next,
        DateTime now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row lock makes two concurrent uses of one token run one after the other, so the
        // second is seen for what it is: a reuse.
        var presented = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            """
            SELECT token_hash AS TokenHash, family_id AS FamilyId, user_id AS UserId, issued_at AS IssuedAt,
                   expires_at AS ExpiresAt, used_at AS UsedAt, revoked_at AS RevokedAt
            FROM refresh_tokens WHERE token_hash = @presentedHash FOR UPDATE
            """,
            new { presentedHash },
            transaction,
            cancellationToken: cancellationToken));

        var outcome = Classify(presented, now);
        switch (outcome)
        {
            case RotationOutcome.Rotated:
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE refresh_tokens SET used_at = @now WHERE token_hash = @presentedHash",
                    new { presentedHash, now },
                    transaction,
                    cancellationToken: cancellationToken));
                await InsertTokenAsync(connection, transaction, next(presented!.ToRecord()), cancellationToken);
                break;
            case RotationOutcome.Reused:
                await RevokeFamilyAsync(connection, transaction, presented!.FamilyId, now, cancellationToken);
                break;
        }

        await transaction.CommitAsync(cancellationToken);
        return outcome switch
        {
            RotationOutcome.Rotated => new RotationResult(outcome, presented!.UserId, presented.FamilyId),
            RotationOutcome.Reused => new RotationResult(outcome, FamilyId: presented!.FamilyId),
            _ => new RotationResult(outcome),
        };
    }

    public async Task<byte[]?> RevokeFamilyAsync(byte[] tokenHash, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var familyId = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = @tokenHash",
            new { tokenHash },
            cancellationToken: cancellationToken));
        if (familyId is not null)
        {
            await RevokeFamilyAsync(connection, null, familyId, now, cancellationToken);
        }

        return familyId;
    }

    public async Task<IReadOnlyList<RevokedFamily>> GetFamiliesRevokedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        // Served by ix_refresh_tokens_revoked: a few minutes of sign-outs, not the whole table.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RevokedFamily>(new CommandDefinition(
            """
            SELECT family_id AS FamilyId, MAX(revoked_at) AS RevokedAt
            FROM refresh_tokens WHERE revoked_at >= @since
            GROUP BY family_id ORDER BY RevokedAt
            """,
            new { since },
            cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await RolesOfAsync(connection, null, userId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>?> ChangeRolesAsync(
        long userId,
        Func<StoredUser, IReadOnlyList<string>, IReadOnlyCollection<string>> change,
        RoleActor actor,
        DateTime now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The user's row lock puts two changes of one user's roles one after the other, so each
        // sees the other's result and the audit's before/after never interleave.
        var user = await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE id = @userId FOR UPDATE",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        if (user is null)
        {
            return null;
        }

        var before = await RolesOfAsync(connection, transaction, userId, cancellationToken);
        var after = AccountRoles.Ordered(change(user, before));
        var granted = after.Except(before).ToList();
        var revoked = before.Except(after).ToList();
        foreach (var role in granted)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_roles (user_id, role, granted_at, granted_by) VALUES (@userId, @role, @now, @grantedBy)",
                new { userId, role, now, grantedBy = actor.UserId },
                transaction,
                cancellationToken: cancellationToken));
        }

        foreach (var role in revoked)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM user_roles WHERE user_id = @userId AND role = @role",
                new { userId, role },
                transaction,
                cancellationToken: cancellationToken));
        }

        foreach (var (role, changeType) in granted.Select(r => (r, "granted")).Concat(revoked.Select(r => (r, "revoked"))))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO role_changes (user_id, role, change_type, changed_by, changed_by_name, changed_at)
                VALUES (@userId, @role, @changeType, @changedBy, @changedByName, @now)
                """,
                new { userId, role, changeType, changedBy = actor.UserId, changedByName = actor.Name, now },
                transaction,
                cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return after;
    }

    public async Task<IReadOnlyList<RoleChange>> GetRoleChangesAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RoleChangeRow>(new CommandDefinition(
            """
            SELECT user_id AS UserId, role AS Role, change_type AS ChangeType, changed_by AS ChangedBy,
                   changed_by_name AS ChangedByName, changed_at AS ChangedAt
            FROM role_changes WHERE user_id = @userId ORDER BY id DESC
            """,
            new { userId },
            cancellationToken: cancellationToken));
        return rows.Select(r => new RoleChange(
            r.UserId,
            r.Role,
            r.ChangeType == "granted",
            r.ChangedBy,
            r.ChangedByName,
            new DateTimeOffset(DateTime.SpecifyKind(r.ChangedAt, DateTimeKind.Utc)))).ToList();
    }

    public async Task<bool> AnyoneHoldsAsync(string role, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM user_roles WHERE role = @role)",
            new { role },
            cancellationToken: cancellationToken));
    }

    private static async Task<StoredUser> ApplyConsentAsync(MySqlConnection connection, MySqlTransaction transaction, StoredUser user, ConsentDecision decision, CancellationToken cancellationToken)
    {
        foreach (var row in decision.RowsFor(user.Id, user.DataConsent, user.VoiceConsent))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO consent_records (user_id, kind, version, decision, recorded_at) VALUES (@UserId, @Kind, @Version, @decision, @At)",
                new { row.UserId, row.Kind, row.Version, decision = row.Granted ? "granted" : "withdrawn", row.At },
                transaction,
                cancellationToken: cancellationToken));
        }

        var after = decision.Apply(user);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET data_consent = @DataConsent, voice_consent = @VoiceConsent,
                data_consent_version = @DataConsentVersion, data_consent_at = @DataConsentAt,
                voice_consent_version = @VoiceConsentVersion, voice_consent_at = @VoiceConsentAt
            WHERE id = @Id
            """,
            after,
            transaction,
            cancellationToken: cancellationToken));
        return after;
    }

    private static async Task<IReadOnlyList<string>> RolesOfAsync(MySqlConnection connection, MySqlTransaction? transaction, long userId, CancellationToken cancellationToken) =>
        AccountRoles.Ordered(await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT role FROM user_roles WHERE user_id = @userId",
            new { userId },
            transaction,
            cancellationToken: cancellationToken)));

    private static RotationOutcome Classify(TokenRow? token, DateTime now) => token switch
    {
        null => RotationOutcome.Unknown,
        { RevokedAt: not null } => RotationOutcome.Revoked,
        { UsedAt: not null } => RotationOutcome.Reused,
        _ when token.ExpiresAt <= now => RotationOutcome.Expired,
        _ => RotationOutcome.Rotated,
    };

    private static Task<StoredUser?> FindByIdAsync(MySqlConnection connection, long userId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE id = @userId",
            new { userId },
            cancellationToken: cancellationToken));

    private static Task InsertTokenAsync(MySqlConnection connection, MySqlTransaction? transaction, RefreshTokenRecord token, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at)
            VALUES (@TokenHash, @FamilyId, @UserId, @IssuedAt, @ExpiresAt)
            """,
            token,
            transaction,
            cancellationToken: cancellationToken));

    private static Task RevokeFamilyAsync(MySqlConnection connection, MySqlTransaction? transaction, byte[] familyId, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @familyId AND revoked_at IS NULL",
            new { familyId, now },
            transaction,
            cancellationToken: cancellationToken));

    private sealed record ConsentRecordRow(long UserId, string Kind, string Version, string Decision, DateTime RecordedAt);

    private sealed record RoleChangeRow(long UserId, string Role, string ChangeType, long? ChangedBy, string ChangedByName, DateTime ChangedAt);

    private sealed record TokenRow(byte[] TokenHash, byte[] FamilyId, long UserId, DateTime IssuedAt, DateTime ExpiresAt, DateTime? UsedAt, DateTime? RevokedAt)
    {
        public RefreshTokenRecord ToRecord() => new(TokenHash, FamilyId, UserId, IssuedAt, ExpiresAt);
    }
}
