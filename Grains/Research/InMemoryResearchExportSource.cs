using System.Runtime.CompilerServices;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Research;

/// <summary>
/// The export read of embedded mode, from the in-memory stores. It copies what the filter selects when
/// the export opens: embedded mode already holds every row in memory, so the copy is the consistent
/// snapshot MySQL gives, at no new order of cost.
/// </summary>
public sealed class InMemoryResearchExportSource(InMemoryResearchStore research, InMemoryAccountStore accounts, InMemoryFacilitatorActionStore facilitatorActions) : IResearchExportSource
{
    public async Task<IResearchExportSession> OpenAsync(ExportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        // One snapshot for everything the export reads: a copy of the whole store, so taken once, and consistent.
        var snapshot = research.SnapshotRooms();
        var rooms = snapshot
            .Where(r => Matches(r, filter))
            .OrderBy(r => r.Record.RoomCode, StringComparer.Ordinal)
            .ToList();
        var users = new Dictionary<long, StoredUser?>();
        var consents = new Dictionary<long, IReadOnlyList<ConsentRow>>();
        foreach (var seat in rooms.SelectMany(r => r.Seats))
        {
            if (!users.ContainsKey(seat.UserId))
            {
                users[seat.UserId] = await accounts.FindByIdAsync(seat.UserId, cancellationToken);
                consents[seat.UserId] = await accounts.GetConsentRowsAsync(seat.UserId, cancellationToken);
            }
        }

        var sessionStudy = filter.SessionCode is { } session
            ? snapshot.Where(r => r.Record.SessionCode == session).Select(r => r.Record.StudyLabel).FirstOrDefault(label => label is not null)
            : null;
        return new Session(rooms, users, consents, research.ErasureTotals(), sessionStudy, new InMemorySheetContext(rooms, research, facilitatorActions.All(), accounts, users));
    }

    public Task<(DateTime Oldest, DateTime Newest)?> NewestRoomsCreatedAsync(int rooms, CancellationToken cancellationToken)
    {
        var newest = research.SnapshotRooms().Select(r => r.Record.CreatedAt).OrderDescending().Take(rooms).ToList();
        return Task.FromResult<(DateTime, DateTime)?>(newest.Count == 0 ? null : (newest[^1], newest[0]));
    }

    // A room not yet recorded as started, or closed before it started, is exported as waiting.
    internal static RoomPhase Phase(RecordedRoom room) => RoomPhases.TryParse(room.Progress?.Status, out var phase) ? phase : RoomPhase.Waiting;

    private static bool Matches(RecordedRoom room, ExportFilter filter) =>
        (filter.From is not { } from || room.Record.CreatedAt >= from.UtcDateTime)
        && (filter.To is not { } to || room.Record.CreatedAt < to.UtcDateTime)
        && (filter.Topic is null || room.Record.Topic == filter.Topic)
        && (filter.SessionCode is null || room.Record.SessionCode == filter.SessionCode)
        && (filter.StudyLabel is null || room.Record.StudyLabel == filter.StudyLabel)
        && (filter.Phase is null || Phase(room) == filter.Phase);

    private sealed class Session(
        List<RecordedRoom> rooms,
        Dictionary<long, StoredUser?> users,
        Dictionary<long, IReadOnlyList<ConsentRow>> consents,
        ErasureTotals erasures,
        string? sessionStudy,
        InMemorySheetContext sheets) : IResearchExportSession
    {
        public Task<ErasureTotals> ReadErasureTotalsAsync(CancellationToken cancellationToken) => Task.FromResult(erasures);

        public Task<string?> ReadSessionStudyAsync(CancellationToken cancellationToken) => Task.FromResult(sessionStudy);

        public IAsyncEnumerable<TRow> ReadSheetAsync<TRow>(ResearchSheet<TRow> sheet, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(sheet);
            return sheet.ReadAsync(sheets, cancellationToken);
        }

        public async IAsyncEnumerable<SourceParticipant> ReadParticipantsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var room in rooms)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var seat in room.Seats)
                {
                    var user = users[seat.UserId];
                    yield return user is { DataConsent: true } or { IsBot: true }
                        ? new SourceParticipant(room.Record.RoomCode, Row(room, seat, user, consents[seat.UserId]))
                        : new SourceParticipant(room.Record.RoomCode, null, Withdrawn(user, consents[seat.UserId]));
                }
            }

            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<RoomExportRow> ReadRoomsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var room in rooms)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new RoomExportRow(
                    room.Record.RoomCode,
                    ExportValue.Clean(room.Record.Topic),
                    ExportValue.Clean(room.Record.ScenarioId),
                    room.Record.IsPublic,
                    Phase(room),
                    ExportValue.ToExportTime(room.Record.CreatedAt),
                    room.Progress?.StartedAt is { } started ? ExportValue.ToExportTime(started) : null,
                    room.Progress?.FinishedAt is { } finished ? ExportValue.ToExportTime(finished) : null,
                    room.Consensus.Count,
                    0,
                    0,
                    room.Record.SessionCode,
                    room.Record.StudyLabel is { } study ? ExportValue.Clean(study) : null,
                    room.Record.ScenarioSha256);
            }

            await Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        // As the MySQL read: a grant on the user's row (kept after a withdrawal), or a withdrawal of data consent recorded.
        private static bool Withdrawn(StoredUser? user, IReadOnlyList<ConsentRow> consentRows) =>
            user?.DataConsentAt is not null || consentRows.Any(r => r.Kind == ConsentDecision.DataKind && !r.Granted);

        private static ParticipantExportRow Row(RecordedRoom room, RecordedSeat seat, StoredUser user, IReadOnlyList<ConsentRow> consentRows)
        {
            var data = ConsentAtSeat.Covering(consentRows, ConsentDecision.DataKind, seat.JoinedAt, (user.DataConsentVersion, user.DataConsentAt));
            var voice = user.VoiceConsent
                ? ConsentAtSeat.Covering(consentRows, ConsentDecision.VoiceKind, seat.JoinedAt, (user.VoiceConsentVersion, user.VoiceConsentAt))
                : (null, null);
            var answers = new byte[RoomRules.Rounds * 4];
            Array.Fill(answers, ExportValue.NoAnswer);
            foreach (var choice in room.Choices.Where(c => c.UserId == seat.UserId))
            {
                answers[((choice.RoundNumber - 1) * 4) + 0] = (byte)choice.Choice;
                answers[((choice.RoundNumber - 1) * 4) + 1] = (byte)choice.Confidence;
            }

            foreach (var consensus in room.Consensus)
            {
                answers[((consensus.RoundNumber - 1) * 4) + 2] = (byte)consensus.Choice;
                answers[((consensus.RoundNumber - 1) * 4) + 3] = (byte)consensus.Confidence;
            }

            return new ParticipantExportRow(
                user.Id,
                user.IsGuest || user.Username is null ? null : ExportValue.Clean(user.Username),
                user.IsGuest && !user.IsBot,
                user.VoiceConsent,
                room.Record.RoomCode,
                ExportValue.Clean(room.Record.Topic),
                Phase(room),
                seat.RoleId,
                ExportValue.Clean(seat.Nickname),
                ExportValue.ToExportTime(seat.JoinedAt),
                answers,
                data.Version,
                data.At is { } dataAt ? ExportValue.ToExportTime(dataAt) : null,
                voice.Version,
                voice.At is { } voiceAt ? ExportValue.ToExportTime(voiceAt) : null,
                user.IsBot);
        }
    }
}
