using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Hosting.Telemetry;
using Microsoft.Extensions.Logging;

namespace Dilemma.Grains.Research;

/// <summary>
/// Streams one export from one database read, sheet by sheet in the order of <see cref="ExportSheets.All"/>. Rows go out in chunks of <see cref="ExportRequest.RowsPerChunk"/>
/// as they are read, so neither this silo nor the gateway ever holds more than a few chunks (<see cref="ReadAheadChunks"/>
/// here, a call's worth there) and the silo one batch of rooms' rows (<see cref="MySqlSheetContext.RoomsPerBatch"/>): memory
/// does not grow with the export. Hashes are computed on the way, and the ledger entry is written once the
/// last row has been read, before the final item is handed out.
/// </summary>
// One activation per export, which nothing calls once its enumeration is over, so it is collected early.
// Not DeactivateOnIdle at the end of the iterator: with it, some cluster-mode exports failed with
// EnumerationAbortedException (the grain extension no longer knew the enumerator) before their last item.
[CollectionAgeLimit(Minutes = 5)]
public sealed partial class ResearchExportGrain(IResearchExportSource source, IExportLedger ledger, Pseudonyms pseudonyms, TimeProvider time, ILogger<ResearchExportGrain> logger)
    : Grain, IResearchExportGrain
{
    public const int MaxRowsPerChunk = 5000;

    /// <summary>
    /// Chunks the silo reads ahead of the reader (<see cref="ReadAhead"/>): enough for a few calls' worth, so the silo
    /// reads while the gateway writes; few enough that a stalled reader holds a few thousand rows at most.
    /// </summary>
    public const int ReadAheadChunks = 8;

    /// <summary>How many of the newest rooms the start-up warm-up reads (<see cref="WarmUpFilterAsync"/>).</summary>
    public const int WarmUpRooms = 64;

    // Pacing (see WaitUntilAllowedAsync): items handed out so far, items the reader allows, and what a held item awaits.
    private long _handedOut;
    private long _allowed;
    private TaskCompletionSource? _allowedChanged;

    public async IAsyncEnumerable<ExportChunk> ExportAsync(ExportRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        await foreach (var item in ReadAsync(request, cancellationToken).ReadAheadAsync(ReadAheadChunks, cancellationToken))
        {
            // ExportStarted is the first item and is never held back.
            if (item is ExportStarted)
            {
                _handedOut = 1;
            }
            else
            {
                await WaitUntilAllowedAsync(request, cancellationToken);
            }

            yield return item;
        }
    }

    /// <summary>The export's items, as fast as they are read; <see cref="ExportAsync"/> hands them out.</summary>
    private async IAsyncEnumerable<ExportChunk> ReadAsync(ExportRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var exportId = this.GetPrimaryKey();
        var startedAt = time.GetUtcNow();
        if (request.WarmUp)
        {
            request = request with { Filter = await WarmUpFilterAsync(cancellationToken) };
        }

        await using var session = await source.OpenAsync(request.Filter, cancellationToken);
        var erasures = await session.ReadErasureTotalsAsync(cancellationToken);
        yield return new ExportStarted(exportId, startedAt);

        // Names go with a pseudonymised export only when asked for: a name next to a pseudonym would undo it. An export
        // of one session is pseudonymised for the session's study, so its ids are the ones the study's own export gives.
        var study = request.Filter.StudyLabel ?? await session.ReadSessionStudyAsync(cancellationToken) ?? Pseudonyms.DefaultStudy;
        var privacy = new ExportPrivacy(pseudonyms.Enabled ? pseudonyms.For(study) : null, IncludeNames: !pseudonyms.Enabled || request.IncludeNicknames);

        using var participantHash = new CanonicalRowHasher<ParticipantExportRow>(ExportColumns.Participants);
        var chunk = new List<ParticipantExportRow>(request.RowsPerChunk);

        // The source orders rooms but not the seats within a room; sorting each room's few rows by user
        // id here makes the row order, and so the hash, the same on every export of the same data.
        var room = new List<ParticipantExportRow>(RoomRules.Capacity);
        var tally = new RoomTally();
        string? roomCode = null;
        long excluded = 0;
        long withdrawn = 0;
        var sentParticipants = false;
        await foreach (var participant in session.ReadParticipantsAsync(cancellationToken))
        {
            if (!string.Equals(participant.RoomCode, roomCode, StringComparison.Ordinal))
            {
                MoveRoom(room, chunk, participantHash);
                roomCode = participant.RoomCode;
                if (chunk.Count >= request.RowsPerChunk)
                {
                    yield return new SheetRows<ParticipantExportRow>(ExportSheets.Participants.Name, [.. chunk]);
                    sentParticipants = true;
                    chunk.Clear();
                }
            }

            tally.Add(participant.RoomCode, participant.Row is not null);
            if (participant.Row is null)
            {
                excluded++;
                withdrawn += participant.ConsentWithdrawn ? 1 : 0;
            }
            else
            {
                room.Add(ExportSheets.Participants.Protect(participant.Row, privacy));
            }
        }

        MoveRoom(room, chunk, participantHash);
        if (chunk.Count > 0 || !sentParticipants)
        {
            yield return new SheetRows<ParticipantExportRow>(ExportSheets.Participants.Name, [.. chunk]);
            chunk.Clear();
        }

        using var roomHash = new CanonicalRowHasher<RoomExportRow>(ExportColumns.Rooms);
        var rooms = new List<RoomExportRow>(request.RowsPerChunk);
        var sentRooms = false;
        await foreach (var read in session.ReadRoomsAsync(cancellationToken))
        {
            var row = tally.Complete(read);
            roomHash.Add(row);
            rooms.Add(row);
            if (rooms.Count >= request.RowsPerChunk)
            {
                yield return new SheetRows<RoomExportRow>(ExportSheets.Rooms.Name, [.. rooms]);
                sentRooms = true;
                rooms.Clear();
            }
        }

        if (rooms.Count > 0 || !sentRooms)
        {
            yield return new SheetRows<RoomExportRow>(ExportSheets.Rooms.Name, [.. rooms]);
        }

        var participantsSha256 = participantHash.Finish();
        var roomsSha256 = roomHash.Finish();
        List<SheetSummary> summaries =
        [
            new(ExportSheets.Participants.Name, participantHash.Rows, participantsSha256),
            new(ExportSheets.Rooms.Name, roomHash.Rows, roomsSha256),
        ];
        foreach (var sheet in ResearchSheets.LongFormat.Where(s => request.OnlySheet is null || request.OnlySheet == s.Sheet.Name))
        {
            var summary = new SheetSummaryHolder();
            await foreach (var rows in sheet.ReadChunksAsync(session, request.RowsPerChunk, privacy, summary, cancellationToken))
            {
                yield return rows;
            }

            summaries.Add(summary.Summary ?? throw new InvalidOperationException($"Sheet {sheet.Sheet.Name} was read without a summary."));
        }

        var completedAt = time.GetUtcNow();
        var entry = new ExportLedgerEntry(
            exportId,
            request.RequestedBy,
            request.RequestedByName,
            request.Format,
            request.Filter,
            startedAt.UtcDateTime,
            completedAt.UtcDateTime,
            participantHash.Rows,
            roomHash.Rows,
            excluded,
            participantsSha256,
            roomsSha256,
            CanonicalRowHasher<ParticipantExportRow>.Version,
            erasures.Erasures,
            erasures.ErasedRows,
            summaries,
            pseudonyms.Enabled,
            pseudonyms.Enabled ? study : null,
            privacy.IncludeNames,
            request.Format == "csv" ? request.OnlySheet ?? ExportSheets.Participants.Name : null,
            withdrawn,
            BuildVersion.Current,
            pseudonyms.KeyId(study));
        if (!request.WarmUp)
        {
            await ledger.RecordExportAsync(entry, cancellationToken);
            LogExported(logger, exportId, entry.ParticipantRows, entry.RoomRows, excluded, (completedAt - startedAt).TotalMilliseconds);
        }

        yield return new ExportCompleted(
            exportId,
            startedAt,
            completedAt,
            entry.ParticipantRows,
            entry.RoomRows,
            excluded,
            entry.ParticipantsSha256,
            entry.RoomsSha256,
            entry.CanonicalForm,
            entry.Erasures,
            entry.ErasedRows,
            summaries,
            pseudonyms.Enabled,
            entry.PseudonymStudy,
            privacy.IncludeNames,
            withdrawn,
            entry.SoftwareVersion,
            entry.PseudonymKeyId);
    }

    /// <summary>
    /// The start-up warm-up reads the newest <see cref="WarmUpRooms"/> rooms, real rows of every sheet they have, so
    /// that the code handling rows (reading, pseudonyms, hashing, serializing, and the gateway's cell writing) is
    /// compiled before a researcher's first export rather than during it. Enough rows that each per-row method is
    /// called past the runtime's tier-up threshold (30 calls), so the first export also finds them optimised;
    /// a window with one room's rows left that to the first export (docs/benchmarks.md, Research export). The rows
    /// go no further than the gateway's <see cref="Stream.Null"/>. With no room yet, a window that selects nothing.
    /// </summary>
    private async Task<ExportFilter> WarmUpFilterAsync(CancellationToken cancellationToken)
    {
        var empty = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var (oldest, newest) = await source.NewestRoomsCreatedAsync(WarmUpRooms, cancellationToken) ?? (empty, empty);
        return new ExportFilter(ToMillisecond(oldest), ToMillisecond(newest).AddMilliseconds(1), null, null);
    }

    private static DateTimeOffset ToMillisecond(DateTime at) => new(at.Ticks - (at.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public Task AllowAsync(long items)
    {
        if (items > _allowed)
        {
            _allowed = items;
            _allowedChanged?.TrySetResult();
            _allowedChanged = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// In a paced export, holds the item about to be handed out (already read) until the reader allows it. Orleans
    /// drops an enumerator that no call has asked for within its response timeout (30-60 s), which is what a reader
    /// writing to a stalled client does; while this waits, the reader's next call is held open instead (Orleans
    /// answers it with heartbeats and asks again), so the export survives the stall, for at most MaxStall.
    /// </summary>
    private async ValueTask WaitUntilAllowedAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var item = ++_handedOut;
        if (request.MaxStall <= TimeSpan.Zero || _allowed >= item)
        {
            return;
        }

        var deadline = time.GetUtcNow() + request.MaxStall;
        while (_allowed < item)
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                LogStalled(logger, this.GetPrimaryKey(), request.MaxStall.TotalSeconds);
                throw new TimeoutException($"The reader took no new export item for {request.MaxStall.TotalSeconds:F0} s; the export was stopped.");
            }

            _allowedChanged ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _allowedChanged.Task.WaitAsync(remaining, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static void MoveRoom(List<ParticipantExportRow> room, List<ParticipantExportRow> chunk, CanonicalRowHasher<ParticipantExportRow> hash)
    {
        room.Sort(static (a, b) => a.UserId.CompareTo(b.UserId));
        foreach (var row in room)
        {
            hash.Add(row);
            chunk.Add(row);
        }

        room.Clear();
    }

    private static void Validate(ExportRequest request)
    {
        if (request.RowsPerChunk is < 1 or > MaxRowsPerChunk)
        {
            throw RuleViolationException.Invalid("invalid_chunk_size", "rows_per_chunk", $"Rows per chunk are 1 to {MaxRowsPerChunk}.");
        }

        var filter = request.Filter;
        if (filter.From is { } from && filter.To is { } to && from >= to)
        {
            throw RuleViolationException.Invalid("invalid_filter", "to", "to must be later than from (from is inclusive, to exclusive).");
        }

        if (filter.Topic is { Length: 0 or > RoomRules.TopicMaxLength })
        {
            throw RuleViolationException.Invalid("invalid_filter", "topic", $"A topic has 1 to {RoomRules.TopicMaxLength} characters.");
        }

        if (filter.SessionCode is { } session && !ExportFilter.IsSessionCode(session))
        {
            throw RuleViolationException.Invalid("invalid_filter", "session", $"A session code is {SessionRules.CodeLength} characters from {SessionRules.CodeAlphabet}.");
        }

        if (filter.StudyLabel is { Length: 0 or > SessionRules.StudyLabelMaxLength })
        {
            throw RuleViolationException.Invalid("invalid_filter", "study", $"A study label has 1 to {SessionRules.StudyLabelMaxLength} characters.");
        }

        if (filter.Phase is { } phase && !Enum.IsDefined(phase))
        {
            throw RuleViolationException.Invalid("invalid_filter", "phase", "phase is waiting, started or finished.");
        }
    }

    /// <summary>
    /// Each room's counts of seated participants and of those exported, learnt from the participant rows and written
    /// into the room rows that follow them (which the source reads with their rounds completed: a room may have none
    /// of its seats left, all erased, and still its consensus rows). Indexed by the room code's number: codes are six
    /// digits, so this is a fixed 4 MB whatever the export's size, where a table of rooms would grow with it,
    /// and the rooms query needs no per-room subqueries.
    /// </summary>
    private sealed class RoomTally
    {
        private const int CodeSpace = 1_000_000;
        private readonly int[] _counts = new int[CodeSpace];

        public void Add(string roomCode, bool exported)
        {
            ref var counts = ref _counts[Index(roomCode)];
            var participants = Math.Min((counts & 0xFF) + 1, 0xFF);
            var exportedCount = Math.Min(((counts >> 8) & 0xFF) + (exported ? 1 : 0), 0xFF);
            counts = participants | (exportedCount << 8);
        }

        public RoomExportRow Complete(RoomExportRow room)
        {
            var counts = _counts[Index(room.RoomCode)];
            return room with { Participants = counts & 0xFF, ParticipantsExported = (counts >> 8) & 0xFF };
        }

        private static int Index(string roomCode) =>
            roomCode.Length == RoomRules.CodeLength && int.TryParse(roomCode, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
                ? code
                : throw new InvalidOperationException($"A room code that is not six digits was read: '{roomCode}'.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Research export {ExportId} stopped: its reader took no new item for {Seconds:F0} s")]
    private static partial void LogStalled(ILogger logger, Guid exportId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Research export {ExportId}: {Participants} participant rows, {Rooms} room rows, {Excluded} left out without consent, read in {Milliseconds:F0} ms")]
    private static partial void LogExported(ILogger logger, Guid exportId, long participants, long rooms, long excluded, double milliseconds);
}
