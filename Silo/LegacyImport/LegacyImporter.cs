using System.Diagnostics;
using System.Globalization;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Grains.Scenarios;
using MySqlConnector;

namespace Dilemma.Silo.LegacyImport;

/// <summary>
/// Brings the original system's users, rooms, seats, choices and consensus into this system's tables.
/// Every written row carries its original id in <c>legacy_id</c>; every original row written is listed in
/// <c>legacy_imports</c>, and a row listed there is never written again, so a second run adds nothing and a
/// run that stopped part-way is finished by the next. Rows that would break a rule of ours (a reference to a
/// row that does not exist, a choice outside the scale, a second choice for the same round) are skipped and
/// counted with the reason. Imported rooms are finished games played before this system existed: consents
/// are recorded under the version <see cref="ConsentTexts.Legacy"/>, and no account can be signed into
/// (the original's passwords are not in its export and guests have no guest id here).
/// </summary>
public static class LegacyImporter
{
    // One importer at a time per database: two would both find a row not yet imported and both write it.
    private const string LockName = "dilemma.import-legacy";

    private const int UsernameLength = 32;
    private const int NicknameLength = 32;
    private const int EmailLength = 254;
    private const int TopicLength = 64;
    private const int TitleLength = 100;

    public static async Task<LegacyImportReport> ImportAsync(string source, string target, TextWriter progressOutput, bool progressInPlace, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var data = await LegacySource.ReadAsync(source, cancellationToken);
        var totals = new Dictionary<string, int>
        {
            ["users"] = data.Users.Count,
            ["rooms"] = data.Rooms.Count,
            ["room_participants"] = data.Participants.Count,
            ["round_choices"] = data.Choices.Count,
            ["consensus_choices"] = data.Consensus.Count,
        };

        await using var connection = new MySqlConnection(target);
        await connection.OpenAsync(cancellationToken);
        await using (var command = new MySqlCommand("SELECT GET_LOCK(@name, 0)", connection))
        {
            command.Parameters.AddWithValue("@name", LockName);
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 1)
            {
                throw new InvalidOperationException("Another import-legacy is running against this database; run one at a time.");
            }
        }

        try
        {
            var run = new Run(connection, data, new ImportProgress(progressOutput, progressInPlace, totals), DateTime.UtcNow);
            await run.LoadLedgerAsync(cancellationToken);
            var tables = new List<TableReport>
            {
                await run.UsersAsync(cancellationToken),
                await run.RoomsAsync(cancellationToken),
                await run.ParticipantsAsync(cancellationToken),
                await run.ChoicesAsync(cancellationToken),
                await run.ConsensusAsync(cancellationToken),
            };
            return new LegacyImportReport(tables, stopwatch.Elapsed);
        }
        finally
        {
            // Released even when the run was stopped (hence no token): a pooled session would otherwise keep
            // the lock until the pool resets it, and the rerun that is to finish the import would be refused.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var release = new MySqlCommand("SELECT RELEASE_LOCK(@name)", connection);
                release.Parameters.AddWithValue("@name", LockName);
                await release.ExecuteScalarAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>One run's state: the ledger read at its start and the maps from original ids to ours.</summary>
    private sealed class Run(MySqlConnection connection, LegacyData data, ImportProgress progress, DateTime now)
    {
        private readonly HashSet<(string Kind, long Id)> _imported = [];
        private Dictionary<long, long> _users = [];
        private Dictionary<long, (string Code, DateTime CreatedAt)> _rooms = [];
        private Dictionary<long, (string Code, long UserId, DateTime CreatedAt)> _seats = [];

        public async Task LoadLedgerAsync(CancellationToken cancellationToken)
        {
            foreach (var (kind, id) in await QueryAsync("SELECT kind, legacy_id FROM legacy_imports", r => (r.GetString(0), r.GetInt64(1)), cancellationToken))
            {
                _imported.Add((kind, id));
            }
        }

        public async Task<TableReport> UsersAsync(CancellationToken cancellationToken)
        {
            const string Kind = "users";
            var report = new TableReport(Kind);
            var takenKeys = (await QueryAsync("SELECT username_key FROM users WHERE username_key IS NOT NULL", r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var batch = new ImportBatch(
                connection,
                Kind,
                "users",
                ["username", "username_key", "email", "is_guest", "nickname", "data_consent", "voice_consent", "created_at", "data_consent_version", "data_consent_at", "voice_consent_version", "voice_consent_at"],
                report,
                progress,
                now)
            {
                // The consents held are recorded as given under the original's terms, when the account was made:
                // the original kept no other time for them.
                After = ids => $"""
                    INSERT INTO consent_records (user_id, kind, version, decision, recorded_at)
                    SELECT id, '{ConsentDecision.DataKind}', '{ConsentTexts.Legacy}', 'granted', data_consent_at FROM users WHERE legacy_id IN ({ids}) AND data_consent = 1
                    UNION ALL
                    SELECT id, '{ConsentDecision.VoiceKind}', '{ConsentTexts.Legacy}', 'granted', voice_consent_at FROM users WHERE legacy_id IN ({ids}) AND voice_consent = 1
                    """,
            };
            foreach (var user in data.Users)
            {
                report.Read++;
                if (!_imported.Contains((Kind, user.Id)))
                {
                    await UserAsync(user, report, batch, takenKeys, cancellationToken);
                }
                else
                {
                    report.Skip(SkipReasons.AlreadyImported);
                }
            }

            await batch.FlushAsync(cancellationToken);
            _users = (await QueryAsync("SELECT legacy_id, id FROM users WHERE legacy_id IS NOT NULL", r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken))
                .ToDictionary(p => p.Item1, p => p.Item2);
            return report;
        }

        private async Task UserAsync(LegacyUser user, TableReport report, ImportBatch batch, HashSet<string> takenKeys, CancellationToken cancellationToken)
        {
            // Guests here have no username: the original's guest name becomes the guest's nickname.
            var name = string.IsNullOrWhiteSpace(user.Username) ? null : Cut(user.Username.Trim(), UsernameLength, report, ImportNotes.UsernameCut);
            if (!user.IsGuest && name is null)
            {
                report.Skip(SkipReasons.NoUsername);
                return;
            }

            string? key = null;
            if (!user.IsGuest)
            {
                key = AccountRules.NormalizeUsername(name!);
                if (!takenKeys.Add(key))
                {
                    key = null;
                    report.Note(ImportNotes.UsernameTaken);
                }
            }

            var email = user.Email;
            if (email is { Length: > EmailLength })
            {
                email = null;
                report.Note(ImportNotes.EmailDropped);
            }

            var createdAt = user.CreatedAt ?? now;
            if (user.CreatedAt is null)
            {
                report.Note(ImportNotes.NoCreatedAt);
            }

            await batch.AddAsync(
                user.Id,
                [
                    user.IsGuest ? null : name, key, email, user.IsGuest, user.IsGuest ? name : null, user.DataConsent, user.VoiceConsent, createdAt,
                    user.DataConsent ? ConsentTexts.Legacy : null, user.DataConsent ? createdAt : null,
                    user.VoiceConsent ? ConsentTexts.Legacy : null, user.VoiceConsent ? createdAt : null,
                ],
                cancellationToken);
        }

        public async Task<TableReport> RoomsAsync(CancellationToken cancellationToken)
        {
            const string Kind = "rooms";
            var report = new TableReport(Kind);
            var usedCodes = (await QueryAsync("SELECT room_code FROM rooms", r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var seatsByRoom = data.Participants.Where(p => p.RoomId is not null).ToLookup(p => p.RoomId!.Value);
            var consensusRounds = data.Consensus
                .Where(k => k.RoomId is not null && k.RoundNumber is >= 1 and <= RoomRules.Rounds)
                .GroupBy(k => k.RoomId!.Value)
                .ToDictionary(g => g.Key, g => g.Select(k => k.RoundNumber).Distinct().Count());
            var bank = ScenarioBank.LoadEmbedded();
            var batch = new ImportBatch(
                connection,
                Kind,
                "rooms",
                ["room_code", "title", "topic", "is_public", "host_user_id", "status", "current_round", "scenario_id", "created_at"],
                report,
                progress,
                now);
            foreach (var room in data.Rooms)
            {
                report.Read++;
                if (_imported.Contains((Kind, room.Id)))
                {
                    report.Skip(SkipReasons.AlreadyImported);
                    continue;
                }

                var topic = room.Topic?.Trim();
                if (string.IsNullOrEmpty(topic))
                {
                    report.Skip(SkipReasons.NoTopic);
                    continue;
                }

                if (topic.Length > TopicLength)
                {
                    report.Skip(SkipReasons.TopicTooLong);
                    continue;
                }

                long? host = room.CreatedBy is { } creator && _users.TryGetValue(creator, out var creatorId) ? creatorId : null;
                if (host is null)
                {
                    host = seatsByRoom[room.Id].Select(p => p.UserId is { } u && _users.TryGetValue(u, out var id) ? id : (long?)null).FirstOrDefault(id => id is not null);
                    if (host is null)
                    {
                        report.Skip(SkipReasons.NoHost);
                        continue;
                    }

                    report.Note(ImportNotes.HostFromSeat);
                }

                var code = room.RoomCode?.Trim();
                if (code is not { Length: RoomRules.CodeLength } || !code.All(char.IsAsciiDigit) || !usedCodes.Add(code))
                {
                    code = FreeCode(usedCodes);
                    report.Note(ImportNotes.NewRoomCode);
                }

                if (!room.IsStarted)
                {
                    report.Note(ImportNotes.NotStarted);
                }

                var createdAt = room.CreatedAt ?? now;
                if (room.CreatedAt is null)
                {
                    report.Note(ImportNotes.NoCreatedAt);
                }

                // The original kept no start or end time: those stay empty rather than being made up.
                await batch.AddAsync(
                    room.Id,
                    [
                        code, topic.Length > TitleLength ? topic[..TitleLength] : topic, topic, false, host,
                        room.IsStarted ? RoomStatus.Finished : RoomStatus.Closed,
                        room.IsStarted ? consensusRounds.GetValueOrDefault(room.Id) : 0,
                        bank.FindByTopic(topic)?.Id, createdAt,
                    ],
                    cancellationToken);
            }

            await batch.FlushAsync(cancellationToken);
            _rooms = (await QueryAsync("SELECT legacy_id, room_code, created_at FROM rooms WHERE legacy_id IS NOT NULL", r => (r.GetInt64(0), r.GetString(1), r.GetDateTime(2)), cancellationToken))
                .ToDictionary(p => p.Item1, p => (p.Item2, p.Item3));
            return report;
        }

        public async Task<TableReport> ParticipantsAsync(CancellationToken cancellationToken)
        {
            const string Kind = "room_participants";
            var report = new TableReport(Kind);
            var legacyUsers = data.Users.ToDictionary(u => u.Id);
            var legacyRooms = data.Rooms.Select(r => r.Id).ToHashSet();
            var seated = (await QueryAsync(
                    "SELECT p.room_code, p.user_id FROM room_participants p JOIN rooms r ON r.room_code = p.room_code WHERE r.legacy_id IS NOT NULL",
                    r => (r.GetString(0), r.GetInt64(1)),
                    cancellationToken))
                .ToHashSet();
            var batch = new ImportBatch(connection, Kind, "room_participants", ["room_code", "user_id", "nickname", "role_id", "joined_at"], report, progress, now);
            foreach (var seat in data.Participants)
            {
                report.Read++;
                if (_imported.Contains((Kind, seat.Id)))
                {
                    report.Skip(SkipReasons.AlreadyImported);
                    continue;
                }

                if (seat.RoomId is not { } roomId || !_rooms.TryGetValue(roomId, out var room))
                {
                    report.Skip(seat.RoomId is { } r && legacyRooms.Contains(r) ? SkipReasons.RoomNotImported : SkipReasons.RoomMissing);
                    continue;
                }

                if (seat.UserId is not { } legacyUserId || !_users.TryGetValue(legacyUserId, out var userId))
                {
                    report.Skip(seat.UserId is { } u && legacyUsers.ContainsKey(u) ? SkipReasons.UserNotImported : SkipReasons.UserMissing);
                    continue;
                }

                if (!seated.Add((room.Code, userId)))
                {
                    report.Skip(SkipReasons.SeatTwice);
                    continue;
                }

                var nickname = seat.Nickname?.Trim();
                if (string.IsNullOrEmpty(nickname))
                {
                    nickname = legacyUsers[legacyUserId].Username?.Trim() is { Length: > 0 } username ? username : $"user {legacyUserId}";
                    report.Note(ImportNotes.NicknameFromUser);
                }

                nickname = Cut(nickname, NicknameLength, report, ImportNotes.NicknameCut);
                int? role = seat.RoleId;
                if (role is not null and not (>= 1 and <= RoomRules.Capacity))
                {
                    role = null;
                    report.Note(ImportNotes.NoRole);
                }

                // The original kept no time of joining: the room's creation is the nearest it knew.
                await batch.AddAsync(seat.Id, [room.Code, userId, nickname, role, room.CreatedAt], cancellationToken);
            }

            await batch.FlushAsync(cancellationToken);
            _seats = (await QueryAsync(
                    "SELECT p.legacy_id, p.room_code, p.user_id, r.created_at FROM room_participants p JOIN rooms r ON r.room_code = p.room_code WHERE p.legacy_id IS NOT NULL",
                    r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetDateTime(3)),
                    cancellationToken))
                .ToDictionary(p => p.Item1, p => (p.Item2, p.Item3, p.Item4));
            return report;
        }

        public async Task<TableReport> ChoicesAsync(CancellationToken cancellationToken)
        {
            const string Kind = "round_choices";
            var report = new TableReport(Kind);
            var legacySeats = data.Participants.ToDictionary(p => p.Id);
            var chosen = (await QueryAsync(
                    "SELECT c.room_code, c.round_number, c.user_id FROM round_choices c JOIN rooms r ON r.room_code = c.room_code WHERE r.legacy_id IS NOT NULL",
                    r => (r.GetString(0), (int)r.GetByte(1), r.GetInt64(2)),
                    cancellationToken))
                .ToHashSet();
            var batch = new ImportBatch(
                connection, Kind, "round_choices", ["room_code", "user_id", "round_number", "choice", "confidence", "revision", "created_at", "updated_at"], report, progress, now);
            foreach (var choice in data.Choices)
            {
                report.Read++;
                if (_imported.Contains((Kind, choice.Id)))
                {
                    report.Skip(SkipReasons.AlreadyImported);
                    continue;
                }

                if (choice.ParticipantId is not { } seatId || !_seats.TryGetValue(seatId, out var seat))
                {
                    report.Skip(choice.ParticipantId is { } s && legacySeats.ContainsKey(s) ? SkipReasons.SeatNotImported : SkipReasons.SeatMissing);
                    continue;
                }

                if (choice.RoomId is { } roomId && roomId != legacySeats[seatId].RoomId)
                {
                    report.Skip(SkipReasons.OtherRoom);
                    continue;
                }

                if (Invalid(choice.RoundNumber, choice.Choice, choice.Confidence) is { } reason)
                {
                    report.Skip(reason);
                    continue;
                }

                if (!chosen.Add((seat.Code, choice.RoundNumber!.Value, seat.UserId)))
                {
                    report.Skip(SkipReasons.ChoiceTwice);
                    continue;
                }

                // The original kept no time of choosing: the room's creation is the nearest it knew.
                await batch.AddAsync(choice.Id, [seat.Code, seat.UserId, choice.RoundNumber, choice.Choice, choice.Confidence, 1, seat.CreatedAt, seat.CreatedAt], cancellationToken);
            }

            await batch.FlushAsync(cancellationToken);

            // Each imported choice is its one submission (the decisions sheet reads submissions). Caught up over every
            // imported choice rather than per batch: a run stopped in between is completed by the next, and a rerun adds nothing.
            await using var submissions = new MySqlCommand(
                """
                INSERT INTO round_choice_submissions (room_code, user_id, round_number, revision, choice, confidence, submitted_at)
                SELECT c.room_code, c.user_id, c.round_number, c.revision, c.choice, c.confidence, c.updated_at
                FROM round_choices c
                WHERE c.legacy_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM round_choice_submissions s
                    WHERE s.room_code = c.room_code AND s.round_number = c.round_number AND s.user_id = c.user_id AND s.revision = c.revision)
                """,
                connection);
            await submissions.ExecuteNonQueryAsync(cancellationToken);
            return report;
        }

        public async Task<TableReport> ConsensusAsync(CancellationToken cancellationToken)
        {
            const string Kind = "consensus_choices";
            var report = new TableReport(Kind);
            var legacyRooms = data.Rooms.Select(r => r.Id).ToHashSet();
            var agreed = (await QueryAsync(
                    "SELECT k.room_code, k.round_number FROM consensus_choices k JOIN rooms r ON r.room_code = k.room_code WHERE r.legacy_id IS NOT NULL",
                    r => (r.GetString(0), (int)r.GetByte(1)),
                    cancellationToken))
                .ToHashSet();
            var batch = new ImportBatch(connection, Kind, "consensus_choices", ["room_code", "round_number", "choice", "confidence", "created_at"], report, progress, now);
            foreach (var consensus in data.Consensus)
            {
                report.Read++;
                if (_imported.Contains((Kind, consensus.Id)))
                {
                    report.Skip(SkipReasons.AlreadyImported);
                    continue;
                }

                if (consensus.RoomId is not { } roomId || !_rooms.TryGetValue(roomId, out var room))
                {
                    report.Skip(consensus.RoomId is { } r && legacyRooms.Contains(r) ? SkipReasons.RoomNotImported : SkipReasons.RoomMissing);
                    continue;
                }

                if (Invalid(consensus.RoundNumber, consensus.Choice, consensus.Confidence) is { } reason)
                {
                    report.Skip(reason);
                    continue;
                }

                if (!agreed.Add((room.Code, consensus.RoundNumber!.Value)))
                {
                    report.Skip(SkipReasons.ConsensusTwice);
                    continue;
                }

                await batch.AddAsync(consensus.Id, [room.Code, consensus.RoundNumber, consensus.Choice, consensus.Confidence, room.CreatedAt], cancellationToken);
            }

            await batch.FlushAsync(cancellationToken);
            return report;
        }

        private static string? Invalid(int? round, int? choice, int? confidence) =>
            round is not (>= 1 and <= RoomRules.Rounds) ? SkipReasons.RoundOutOfRange
            : choice is not (>= 0 and <= 3) ? SkipReasons.ChoiceOutOfRange
            : confidence is not (>= 1 and <= 5) ? SkipReasons.ConfidenceOutOfRange
            : null;

        private static string Cut(string text, int length, TableReport report, string note)
        {
            if (text.Length <= length)
            {
                return text;
            }

            report.Note(note);
            return text[..length];
        }

        // Codes are drawn as the game draws them (RoomOpening): six random digits, until a free one comes up.
        private static string FreeCode(HashSet<string> usedCodes)
        {
            while (true)
            {
                var code = Random.Shared.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
                if (usedCodes.Add(code))
                {
                    return code;
                }
            }
        }

        private Task<List<T>> QueryAsync<T>(string sql, Func<MySqlDataReader, T> read, CancellationToken cancellationToken) =>
            LegacySource.ReadAsync(connection, sql, read, cancellationToken);
    }
}
