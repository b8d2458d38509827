using System.Globalization;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dilemma.Gateway.Research;

/// <summary>The researcher endpoints: the streamed export, the export ledger and the table counts.</summary>
public static class ResearchApi
{
    private const string CsvContentType = "text/csv";
    private const int DefaultLedgerPageSize = 20;

    private const string LedgerDescriptionText =
        "The export ledger (table research_exports in cluster mode, process memory in embedded mode) keeps every finished export: " +
        "export_id, started_at, completed_at, requested_by (the researcher's name then) and requested_by_user_id, format, the filters " +
        "(filter_from, filter_to, filter_topic, filter_phase, filter_session, filter_study; null when not set), participants_rows, rooms_rows, excluded_participants, " +
        "participants_sha256, rooms_sha256, canonical_form, erasures and erased_rows (withdrawals recorded before the export read, and the rows they deleted), " +
        "and sheets: every data sheet the export read, in workbook order, as {sheet, rows, sha256} (the manifest's <sheet>_rows and <sheet>_sha256; " +
        "a csv export of a long-format sheet reads participants, rooms and that sheet), and whom it could name: pseudonymised, pseudonym_study and " +
        "names_included (null on exports recorded before the ledger kept them), and csv_sheet: the one sheet a csv export handed out (null for xlsx, and for " +
        "csv exports recorded before migration 2026120901), and withdrawn_participants: of excluded_participants, the seats whose user had given data consent " +
        "and withdrew it (PATCH /auth/me/consent) without erasing their data: an earlier export may hold their rows, which they no longer consent to (null on exports " +
        "recorded before migration 2026120902), and software_version: the build of the silo that read the rows, its version and the commit it was built from (null on exports " +
        "recorded before migration 2026120903), and pseudonym_key_id: a one-way fingerprint of the key the pseudonyms were made with, equal in two exports " +
        "exactly when their pseudonyms can be joined (null when not pseudonymised, and on exports recorded before migration 2026121101). The keys are the manifest sheet's, so a workbook cited in a paper can be " +
        "checked against the ledger key by key (the manifest shows times to the millisecond, the ledger to the microsecond).";

    private const string ExportDescriptionText =
        "Sheet participants: one row per seated participant with data consent of every selected room: user, guest flag, consents, room, topic, phase, role, " +
        "nickname, joined at, and for rounds 1-5 their choice and confidence and the room's consensus choice and confidence. Participants " +
        "without data_consent are left out (their rooms stay, with the others); participants who left a room before its game are not rows. " +
        "Sheets: participants, rooms (one row per selected room, with the session_code and study_label of the session that opened it, and scenario_sha256: the wording it played, empty for rooms created before wordings were recorded), then the long format of the selected rooms: decisions (one row per " +
        "submission of a choice, every revision its own row: chosen, with the choice, confidence, revision number and milliseconds since the round " +
        "opened; and one per timed_out or absent; is_bot, bot_reason, language: the page's ko or en when it was sent, empty when not recorded), consensus (one row per round reached or closed with no_consensus; language likewise), room_events, " +
        "facilitator_actions (a pause or resume of the whole session on each room it stopped), recording_events, connection_quality, scenarios (every scenario the rooms played, a row set per wording recorded when a room was created on it (text_sha256; empty: rooms from before, given this build's bank text), one row per text in Korean and " +
        "English, with a generated one's provider, model, prompt version, time and SHA-256 of the model's answer), ai_interactions (each " +
        "question set, feedback and bot choice the AI facilitator produced: to whom, when, provider, model, prompt version, fell back and why); " +
        "rows about participants without data_consent are left out of every sheet. Then codebook (every column of every sheet, and the codes), " +
        "manifest (export id, time, filters, <sheet>_rows and <sheet>_sha256 for every data sheet, participants left out, and of those the ones who withdrew data consent: withdrawn_participants). The workbook is streamed while the database is read: the response " +
        "starts at once, memory does not grow with the export, and a client that disconnects stops the query; one that stops reading keeps its " +
        "export for up to Research:ExportMaxStallSeconds (10 minutes by default). Every export is recorded in " +
        "the export ledger (table research_exports) under its id, also sent as the X-Export-Id header. With Research:Pseudonymise on (the " +
        "default) every user id in every sheet is the user's pseudonym for the export's study (the study filter; without one, the study label of the session filter's session; else default), as the codebook says.\n\n" +
        "Query: from, to (ISO 8601 date or date-time, years 1900 to 9999, UTC unless an offset is given; a date alone is its midnight UTC; rooms created at or after from and before to, as the sheets show created_at: a fraction finer than the millisecond is rounded up to the next one; 400 invalid_filter naming the field otherwise), " +
        "topic (exact), phase (waiting, started or finished), session (a session's code: the rooms it opened; lower case is read as upper), " +
        "study (a study label, exact: the rooms of every session given it; 1-64 characters; also the study the pseudonyms are for), " +
        "include_nicknames (true keeps usernames and nicknames in a pseudonymised export; false, the default, leaves them empty), format (xlsx, the default, or csv: one data sheet, UTF-8 with " +
        "BOM, comma-separated, CRLF; text starting with = + - @, a tab or a carriage return gets a leading apostrophe so Excel does not run it, and text starting with an apostrophe one more, so one leading apostrophe taken off wherever one of those characters follows it gives the value the hash is over), sheet (with format=csv " +
        "only: which data sheet, participants by default; 400 invalid_sheet naming field sheet otherwise).\n\n" +
        "Rows are in a fixed order: participants by room code, then user id; decisions by room code, round, user id, status and revision; consensus by room code, round and status; " +
        "scenarios by scenario id; the others by room code, then as recorded. The user id that orders rows is the one the sheet shows (in a pseudonymised export the pseudonym). " +
        "Timestamps are UTC, truncated to milliseconds. " +
        "Canonical form of the hashes (" + CanonicalRowHasher<ParticipantExportRow>.Version + "): " + ExcelExportWriter.CanonicalFormDescription;

    // ISO 8601 only: a general parse read 03/04/2026 the US way and 10:00 as today. A date alone is midnight UTC,
    // as before, so a date-only to ends before that day.
    // Fractions of one to seven digits each have a format: "ss.FFFFFFF" would also take a bare trailing dot.
    private static readonly string[] IsoTimeFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        .. Enumerable.Range(1, 7).Select(digits => $"yyyy-MM-dd'T'HH:mm:ss.{new string('f', digits)}K"),
    ];

    // Excel's dates begin in 1900, and the manifest's date cell throws below year 100 after the 200 and the ledger row
    // are out; the ledger's DATETIME columns end in 9999.
    private static readonly DateTimeOffset EarliestTime = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void MapResearchApi(this IEndpointRouteBuilder endpoints)
    {
        var research = endpoints.MapGroup("/research/experiments").WithTags("Research").RequireAuthorization(AccessTokens.ResearcherRole);

        research.MapGet("/export/excel", Export)
            .WithSummary("Researchers only: every consenting participant's decisions as a streamed Excel workbook (or CSV)")
            .WithDescription(ExportDescriptionText)
            .Produces(StatusCodes.Status200OK, contentType: ExcelExportWriter.ContentType, additionalContentTypes: [CsvContentType])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        research.MapGet("/sheets", () => TypedResults.Ok(new ExportSheetsResponse([.. ExportSheets.All.Select(s => s.Name)])))
            .WithSummary("Researchers only: the export's data sheets, in workbook order")
            .WithDescription("sheets: the names the export's sheet query takes with format=csv (one CSV file per sheet), in the order the workbook holds them.");
        research.MapGet("/debug/counts", CountsAsync)
            .WithSummary("Researchers only: row counts of the research tables")
            .WithDescription(
                "users (guests, registered, with data consent: people only, never a bot), rooms by phase, seated participants (and seats left before a game), round choices, " +
                "consensus choices, recording events and exports; bots (bot accounts), bot_seats and bot_round_choices: the part of participants and round_choices that " +
                "bots hold, as the participants and decisions sheets mark them is_bot. Each count is one query, all in one statement.");
        research.MapGet("/exports/{export_id}", GetExportAsync)
            .WithSummary("Researchers only: one export's entry in the export ledger")
            .WithDescription(LedgerDescriptionText + " 400 invalid_export_id if export_id is not a UUID; 404 export_not_found if no export has it.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        research.MapGet("/exports", ListExportsAsync)
            .WithSummary("Researchers only: the export ledger, most recently recorded first")
            .WithDescription(LedgerDescriptionText + " Query: page (from 1), page_size (1-100, default 20); total counts every entry.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        research.MapGet("/erasures", ListErasuresAsync)
            .WithSummary("Researchers only: the erasure ledger (withdrawals), most recently recorded first")
            .WithDescription(
                "One entry per erasure (table research_erasures in cluster mode, process memory in embedded mode): id, erased_at, rows_erased " +
                "(research rows deleted) and kind (account: DELETE /auth/me/research-data; withdrawal_code: POST /research/withdrawals). Whose rows " +
                "they were is recorded nowhere. Every export's manifest and ledger entry carry erasures and erased_rows: the totals recorded before " +
                "it read. Query: page (from 1), page_size (1-100, default 20).")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    public static async Task<Ok<ErasureLedgerPageResponse>> ListErasuresAsync(
        IGrainFactory grains,
        CancellationToken cancellationToken,
        int page = 1,
        [FromQuery(Name = "page_size")] int pageSize = DefaultLedgerPageSize)
    {
        var result = await grains.GetGrain<IResearchLedgerGrain>(0).ListErasuresAsync(page, pageSize, cancellationToken);
        return TypedResults.Ok(new ErasureLedgerPageResponse(
            [.. result.Items.Select(e => new ErasureLedgerResponse(e.Id, new DateTimeOffset(e.ErasedAt, TimeSpan.Zero), e.RowsErased, e.Kind))],
            result.Page,
            result.PageSize,
            result.Total));
    }

    public static async Task<Results<Ok<ExportLedgerResponse>, ProblemHttpResult>> GetExportAsync(
        [FromRoute(Name = "export_id")] string exportId,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(exportId, out var id))
        {
            return (ProblemHttpResult)Problems.Create(
                StatusCodes.Status400BadRequest,
                "invalid_export_id",
                "export_id is a UUID, as the X-Export-Id header and the manifest's export_id give it, e.g. 0b9f3c52-5f0e-4d36-a1c7-3e1f0f7a9d2e.",
                field: "export_id");
        }

        var entry = await grains.GetGrain<IResearchLedgerGrain>(0).GetAsync(id, cancellationToken);
        return TypedResults.Ok(ToResponse(entry));
    }

    public static async Task<Ok<ExportLedgerPageResponse>> ListExportsAsync(
        IGrainFactory grains,
        CancellationToken cancellationToken,
        int page = 1,
        [FromQuery(Name = "page_size")] int pageSize = DefaultLedgerPageSize)
    {
        var result = await grains.GetGrain<IResearchLedgerGrain>(0).ListAsync(page, pageSize, cancellationToken);
        return TypedResults.Ok(new ExportLedgerPageResponse([.. result.Items.Select(ToResponse)], result.Page, result.PageSize, result.Total));
    }

    public static Results<ResearchExportResult, ProblemHttpResult> Export(
        ClaimsPrincipal user,
        IGrainFactory grains,
        ResearchExportSettings settings,
        string? from = null,
        string? to = null,
        string? topic = null,
        string? phase = null,
        string? format = null,
        string? sheet = null,
        string? session = null,
        string? study = null,
        [FromQuery(Name = "include_nicknames")] bool includeNicknames = false)
    {
        if (!TryParseTime(from, out var fromTime))
        {
            return Invalid(StatusCodes.Status400BadRequest, "from", "from is an ISO 8601 date or date-time in the years 1900 to 9999, e.g. 2026-11-01 or 2026-11-01T09:00:00Z.");
        }

        if (!TryParseTime(to, out var toTime))
        {
            return Invalid(StatusCodes.Status400BadRequest, "to", "to is an ISO 8601 date or date-time in the years 1900 to 9999, e.g. 2026-12-01 or 2026-12-01T00:00:00Z.");
        }

        if (fromTime is not null && toTime is not null && fromTime >= toTime)
        {
            return Invalid(StatusCodes.Status422UnprocessableEntity, "to", "to must be later than from (from is inclusive, to exclusive).");
        }

        if (topic is { Length: 0 or > RoomRules.TopicMaxLength })
        {
            return Invalid(StatusCodes.Status422UnprocessableEntity, "topic", $"A topic has 1 to {RoomRules.TopicMaxLength} characters.");
        }

        if (!TryParsePhase(phase, out var roomPhase))
        {
            return Invalid(StatusCodes.Status422UnprocessableEntity, "phase", "phase is waiting, started or finished.");
        }

        var sessionCode = session?.Trim().ToUpperInvariant();
        if (sessionCode is not null && !ExportFilter.IsSessionCode(sessionCode))
        {
            return Invalid(StatusCodes.Status400BadRequest, "session", $"session is a session code: {SessionRules.CodeLength} characters from {SessionRules.CodeAlphabet}.");
        }

        if (InvalidStudy(study) is { } invalidStudy)
        {
            return invalidStudy;
        }

        var fileFormat = format ?? "xlsx";
        if (fileFormat is not ("xlsx" or "csv"))
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_format", "format is xlsx or csv.", field: "format");
        }

        var csvSheet = ExportSheets.Find(sheet ?? ExportSheets.Participants.Name);
        if (csvSheet is null || (sheet is not null && fileFormat != "csv"))
        {
            return (ProblemHttpResult)Problems.Create(
                StatusCodes.Status400BadRequest,
                "invalid_sheet",
                $"sheet is given with format=csv only, and names a data sheet: {string.Join(", ", ExportSheets.All.Select(s => s.Name))}.",
                field: "sheet");
        }

        var request = new ExportRequest(
            new ExportFilter(fromTime, toTime, topic, roomPhase, sessionCode, study),
            AccessTokens.UserIdOf(user),
            user.FindFirstValue("name") ?? string.Empty,
            fileFormat,
            settings.RowsPerChunk,
            settings.MaxStall,
            fileFormat == "csv" ? csvSheet.Name : null,
            includeNicknames);
        return new ResearchExportResult(grains, request, settings.ChunksPerCall, csvSheet);
    }

    public static async Task<Ok<ResearchCountsResponse>> CountsAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var counts = await grains.GetGrain<IResearchCountsGrain>(0).GetCountsAsync(cancellationToken);
        return TypedResults.Ok(new ResearchCountsResponse(
            counts.Users,
            counts.Guests,
            counts.Users - counts.Guests,
            counts.UsersWithDataConsent,
            new RoomCountsResponse(counts.RoomsWaiting + counts.RoomsStarted + counts.RoomsFinished, counts.RoomsWaiting, counts.RoomsStarted, counts.RoomsFinished),
            counts.Participants,
            counts.ParticipantsLeft,
            counts.RoundChoices,
            counts.ConsensusChoices,
            counts.RecordingEvents,
            counts.Exports,
            counts.CountedAt,
            counts.Bots,
            counts.BotSeats,
            counts.BotRoundChoices));
    }

    private static ExportLedgerResponse ToResponse(ExportLedgerEntry entry) => new(
        entry.ExportId,
        new DateTimeOffset(entry.StartedAt, TimeSpan.Zero),
        new DateTimeOffset(entry.CompletedAt, TimeSpan.Zero),
        entry.RequestedByName,
        entry.RequestedBy,
        entry.Format,
        entry.Filter.From,
        entry.Filter.To,
        entry.Filter.Topic,
        entry.Filter.Phase is { } phase ? RoomPhases.Word(phase) : null,
        entry.ParticipantRows,
        entry.RoomRows,
        entry.ExcludedParticipants,
        entry.ParticipantsSha256,
        entry.RoomsSha256,
        entry.CanonicalForm,
        entry.Erasures,
        entry.ErasedRows,
        entry.Filter.SessionCode,
        entry.Filter.StudyLabel,
        entry.Sheets,
        entry.Pseudonymised,
        entry.PseudonymStudy,
        entry.NamesIncluded,
        entry.CsvSheet,
        entry.WithdrawnParticipants,
        entry.SoftwareVersion,
        entry.PseudonymKeyId);

    /// <summary>The study filter's rule, as the export and the statistics take it: null when <paramref name="study"/> is absent or a label.</summary>
    internal static ProblemHttpResult? InvalidStudy(string? study) => study is { Length: 0 or > SessionRules.StudyLabelMaxLength }
        ? Invalid(StatusCodes.Status400BadRequest, "study", $"study is a study label of 1 to {SessionRules.StudyLabelMaxLength} characters, as the session was given it.")
        : null;

    private static ProblemHttpResult Invalid(int status, string field, string detail) =>
        (ProblemHttpResult)Problems.Create(status, "invalid_filter", detail, field: field);

    private static bool TryParsePhase(string? text, out RoomPhase? phase)
    {
        phase = RoomPhases.TryParse(text, out var named) ? named : null;
        return text is null || phase is not null;
    }

    /// <summary>
    /// The sheets show a room's created_at truncated to the millisecond, so a filter with a finer fraction is rounded up to
    /// the next one: a room is then after from, or before to, exactly when the time the sheets show for it is. Compared
    /// as stored, a room shown at .000 could fall after a from of .0005 (stored at .0007) or not before a to of .0005.
    /// </summary>
    private static DateTimeOffset AsShown(DateTimeOffset time)
    {
        var below = time.UtcTicks % TimeSpan.TicksPerMillisecond;
        return below == 0 || DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks < TimeSpan.TicksPerMillisecond ? time : time.AddTicks(TimeSpan.TicksPerMillisecond - below);
    }

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        if (DateTimeOffset.TryParseExact(text, IsoTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            && parsed >= EarliestTime)
        {
            time = AsShown(parsed.ToUniversalTime());
            return true;
        }

        return false;
    }
}
