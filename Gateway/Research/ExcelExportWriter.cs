using System.Globalization;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Worksheets;

namespace Dilemma.Gateway.Research;

/// <summary>
/// The workbook, written with SpreadCheetah straight to the response as rows arrive: the data sheets of
/// <see cref="ExportSheets.All"/> as their rows come, then <c>codebook</c> and <c>manifest</c> (a streamed
/// workbook is written sheet by sheet, and the manifest can only be written once the hashes are known).
/// Header rows are frozen; numbers are number cells, booleans boolean cells, timestamps date cells.
/// </summary>
internal sealed class ExcelExportWriter : IExportWriter
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    // Excel's dates carry milliseconds; the format shows them, so a cell reads as exactly the exported instant.
    private const string DateFormat = "yyyy-mm-dd hh:mm:ss.000";

    private readonly Spreadsheet _spreadsheet;
    private readonly StyleId _headerStyle;
    private readonly ExportDescription _description;
    private readonly IReadOnlyList<ChoiceLabel> _choiceLabels;
    private readonly List<IExportSheet> _sheets = [];
    private ExportValue[] _values = [];
    private DataCell[] _cells = [];

    // The text of the row's integers too long for an Excel number, a slot per column: a string each would be a million
    // short-lived strings in a large pseudonymised export. The row is written before the next one reuses the slots.
    private char[] _digits = [];
    private bool _finished;

    private readonly SyncWriteBufferingStream _body;

    private ExcelExportWriter(SyncWriteBufferingStream body, Spreadsheet spreadsheet, ExportDescription description, IReadOnlyList<ChoiceLabel> choiceLabels)
    {
        _body = body;
        _spreadsheet = spreadsheet;
        _description = description;
        _choiceLabels = choiceLabels;
        _headerStyle = spreadsheet.AddStyle(new Style { Font = { Bold = true } });
    }

    public static async Task<ExcelExportWriter> CreateAsync(Stream body, ExportDescription description, IReadOnlyList<ChoiceLabel> choiceLabels, CancellationToken cancellationToken)
    {
        var buffered = new SyncWriteBufferingStream(body);
        var spreadsheet = await Spreadsheet.CreateNewAsync(
            buffered,
            new SpreadCheetahOptions
            {
                CompressionLevel = SpreadCheetahCompressionLevel.Fastest,
                DefaultDateTimeFormat = NumberFormat.Custom(DateFormat),
            },
            cancellationToken);
        return new ExcelExportWriter(buffered, spreadsheet, description, choiceLabels);
    }

    public async ValueTask WriteRowsAsync(SheetRows rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (_sheets.Count == 0 || !string.Equals(_sheets[^1].Name, rows.Sheet, StringComparison.Ordinal))
        {
            var sheet = ExportSheets.Find(rows.Sheet) ?? throw new InvalidOperationException($"Rows came for sheet '{rows.Sheet}', which the gateway does not know.");
            _sheets.Add(sheet);
            _values = new ExportValue[sheet.Columns.Count];
            _cells = new DataCell[sheet.Columns.Count];
            _digits = new char[sheet.Columns.Count * DigitsPerCell];
            await StartSheetAsync(sheet.Name, sheet.Columns.Select(c => (c.Name, c.Kind)).ToList(), cancellationToken);
        }

        for (var row = 0; row < rows.Count; row++)
        {
            rows.Read(row, _values);
            for (var i = 0; i < _values.Length; i++)
            {
                _cells[i] = Cell(_values[i], i);
            }

            await _spreadsheet.AddRowAsync(_cells, cancellationToken);
        }
    }

    public async ValueTask CompleteAsync(ExportCompleted completed, CancellationToken cancellationToken)
    {
        var codebookRows = await WriteCodebookAsync(cancellationToken);
        await WriteManifestAsync(completed, codebookRows, cancellationToken);
        await _spreadsheet.FinishAsync(cancellationToken);
        _finished = true;

        // The zip's central directory was written synchronously, into the buffer: send it.
        await _body.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Disposes the workbook only once it is finished. An unfinished one is dropped: disposing it would
    /// close its open zip entry with a synchronous write, and a broken download gains nothing from more bytes.
    /// </summary>
    public ValueTask DisposeAsync() => _finished ? _spreadsheet.DisposeAsync() : ValueTask.CompletedTask;

    private DataCell Cell(ExportValue value, int column) => !value.HasValue
        ? default
        : value.Kind switch
        {
            ExportValueKind.Number => FitsExcelNumber(value.Number) ? new DataCell(value.Number) : DigitsCell(value.Number, column),
            ExportValueKind.Boolean => new DataCell(value.Boolean),
            ExportValueKind.Fractional => new DataCell(value.Fractional),
            ExportValueKind.Timestamp => new DataCell(value.Timestamp),
            _ => new DataCell(value.Text),
        };

    /// <summary>
    /// Excel keeps 15 significant digits of a number and drops the rest when it opens a file, so a 16-digit pseudonym
    /// would read and save with its last digit 0. Such integers are written as text cells: the digits stay whole, and
    /// the canonical form (their decimal text) is the same either way.
    /// </summary>
    private static bool FitsExcelNumber(long value) => value is > -1_000_000_000_000_000 and < 1_000_000_000_000_000;

    // A long's decimal text with its sign.
    private const int DigitsPerCell = 20;

    private DataCell DigitsCell(long value, int column)
    {
        var slot = _digits.AsMemory(column * DigitsPerCell, DigitsPerCell);
        value.TryFormat(slot.Span, out var length, provider: CultureInfo.InvariantCulture);
        return new DataCell(slot[..length]);
    }

    private static double Width(string name, ExportValueKind kind) => kind switch
    {
        ExportValueKind.Timestamp => 24,
        ExportValueKind.Text => Math.Max(14, name.Length + 2),
        _ => Math.Max(10, name.Length + 2),
    };

    private async ValueTask StartSheetAsync(string name, IReadOnlyList<(string Name, ExportValueKind Kind)> columns, CancellationToken cancellationToken)
    {
        var options = new WorksheetOptions { FrozenRows = 1 };
        for (var i = 0; i < columns.Count; i++)
        {
            options.Column(i + 1).Width = Width(columns[i].Name, columns[i].Kind);
        }

        await _spreadsheet.StartWorksheetAsync(name, options, cancellationToken);
        await _spreadsheet.AddHeaderRowAsync(columns.Select(c => c.Name).ToArray(), _headerStyle, cancellationToken);
    }

    private async ValueTask<int> WriteCodebookAsync(CancellationToken cancellationToken)
    {
        await StartSheetAsync(
            "codebook",
            [("sheet", ExportValueKind.Text), ("column", ExportValueKind.Text), ("type", ExportValueKind.Text), ("code", ExportValueKind.Text), ("meaning", ExportValueKind.Text), ("topic", ExportValueKind.Text)],
            cancellationToken);
        var rows = Codebook.Rows(_choiceLabels);
        foreach (var row in rows)
        {
            await _spreadsheet.AddRowAsync([new DataCell(row.Sheet), new DataCell(row.Column), new DataCell(row.Type), new DataCell(row.Code), new DataCell(row.Meaning), new DataCell(row.Topic)], cancellationToken);
        }

        return rows.Count;
    }

    private async ValueTask WriteManifestAsync(ExportCompleted completed, int codebookRows, CancellationToken cancellationToken)
    {
        await StartSheetAsync("manifest", [("key", ExportValueKind.Text), ("value", ExportValueKind.Text), ("meaning", ExportValueKind.Text)], cancellationToken);
        var filter = _description.Filter;
        (string Key, DataCell Value, string Meaning)[] rows =
        [
            ("export_id", new DataCell(completed.ExportId.ToString("D")), "This export's id; the export ledger (table research_exports, GET /research/experiments/exports/{id}) has a row under it with every sheet's row count and SHA-256 below (its sheets)."),
            ("started_at", new DataCell(completed.StartedAt.UtcDateTime), "When the export began reading (UTC); every sheet shows the data as of this moment."),
            ("completed_at", new DataCell(completed.CompletedAt.UtcDateTime), "When the last row was read (UTC)."),
            ("requested_by", new DataCell(_description.RequestedBy), "The researcher who asked for it."),
            ("format", new DataCell(_description.Format), "xlsx or csv."),
            ("filter_from", new DataCell(filter.From?.UtcDateTime), "Rooms created at or after this time (UTC); empty: no lower bound."),
            ("filter_to", new DataCell(filter.To?.UtcDateTime), "Rooms created before this time (UTC); empty: no upper bound."),
            ("filter_topic", new DataCell(filter.Topic), "Only rooms of this topic; empty: every topic."),
            ("filter_phase", new DataCell(filter.Phase is { } phase ? RoomPhases.Word(phase) : null), "Only rooms in this phase; empty: every phase."),
            ("filter_session", new DataCell(filter.SessionCode), "Only the rooms this session opened; empty: any session or none."),
            ("filter_study", new DataCell(filter.StudyLabel), "Only the rooms of sessions with this study label; empty: any study or none."),
            .. completed.Sheets.Select(sheet => (sheet.Sheet + "_rows", new DataCell(sheet.Rows), RowsMeaning(sheet.Sheet))),
            ("codebook_rows", new DataCell(codebookRows), "Data rows on the codebook sheet."),
            ("excluded_participants", new DataCell(completed.ExcludedParticipants), "Participants of the selected rooms left out because they did not give data consent."),
            ("withdrawn_participants", new DataCell(completed.WithdrawnParticipants), "Of those, the ones who had given data consent and withdrew it without erasing their data: an export taken before may hold their rows, which they no longer consent to. Compare with that export's withdrawn_participants."),
            .. completed.Sheets.Select(sheet => (sheet.Sheet + "_sha256", new DataCell(sheet.Sha256), $"SHA-256 of the {sheet.Sheet} sheet in the canonical form below.")),
            ("canonical_form", new DataCell(completed.CanonicalForm), CanonicalFormDescription),
            ("erasures", new DataCell(completed.Erasures), "Withdrawals recorded before this export read (erasure ledger, GET /research/experiments/erasures): their rows are gone from every sheet."),
            ("erased_rows", new DataCell(completed.ErasedRows), "Research rows those withdrawals deleted, in all."),
            ("pseudonymised", new DataCell(completed.Pseudonymised), "TRUE when every user id in every sheet is the user's pseudonym for pseudonym_study (Research:Pseudonymise): " + ExportColumns.PseudonymDescription),
            ("pseudonym_study", new DataCell(completed.PseudonymStudy), "The study the pseudonyms are for: the study filter; without one, the study label of the session filter's session; else default; the same study gives the same pseudonyms in every export. Empty when not pseudonymised."),
            ("pseudonym_key_id", new DataCell(completed.PseudonymKeyId), "A fingerprint of the key the pseudonyms were made with (16 hex digits, one-way: it tells nothing of the key). Two exports' pseudonyms can be joined exactly when their pseudonym_study and pseudonym_key_id are the same; a server without a set Research:PseudonymKey makes a new key at each start. Empty when not pseudonymised."),
            ("names_included", new DataCell(completed.NamesIncluded), "FALSE when usernames and nicknames are left out (a pseudonymised export without include_nicknames=true)."),
            ("software_version", new DataCell(completed.SoftwareVersion), "The build of Dilemma that read these rows: its version, then after + the commit it was built from."),
        ];
        foreach (var (key, value, meaning) in rows)
        {
            await _spreadsheet.AddRowAsync([new DataCell(key), value, new DataCell(meaning)], cancellationToken);
        }
    }

    // The two wide sheets keep the wording their manifests always had.
    private static string RowsMeaning(string sheet) => sheet == ExportSheets.Participants.Name
        ? "Data rows on the participants sheet (the header row not counted)."
        : $"Data rows on the {sheet} sheet.";

    /// <summary>The canonical form, as the manifest, the README and the API description state it.</summary>
    public const string CanonicalFormDescription =
        "UTF-8 without BOM; the sheet's header row, then each data row in sheet order; cells joined by TAB (U+0009), " +
        "every row ended by LF (U+000A); a cell is its value's text: integers in decimal, decimals as the shortest " +
        "invariant text that reads back as the same double (1.5, 12, 0.25), booleans TRUE or FALSE, " +
        "timestamps yyyy-MM-dd HH:mm:ss.fff in UTC, nothing for an empty cell, text as is with backslash, TAB, LF and CR " +
        "written as \\\\, \\t, \\n and \\r; the digest in lower-case hex.";
}

/// <summary>What a choice code means for one topic and round, from the scenario bank.</summary>
internal sealed record ChoiceLabel(string Topic, string ScenarioId, int RoundNumber, int Choice, string English, string Korean);

/// <summary>The codebook sheet: every column with its type and meaning, then the codes.</summary>
internal static class Codebook
{
    public static IReadOnlyList<CodebookRow> Rows(IReadOnlyList<ChoiceLabel> choiceLabels)
    {
        var rows = new List<CodebookRow>();
        foreach (var sheet in ExportSheets.All)
        {
            rows.AddRange(sheet.Columns.Select(c => new CodebookRow(sheet.Name, c.Name, TypeName(c.Kind), null, c.Description, null)));
        }

        rows.Add(new("participants", "username", "text", ExportColumns.GuestMarker, "A guest account; guests have no username.", null));
        for (var role = RoomRules.MinRole; role <= RoomRules.MaxRole; role++)
        {
            rows.Add(new("participants", "role_id", "number", role.ToString(CultureInfo.InvariantCulture), $"{RoomRules.RoleName(role)} ({KoreanRoleName(role)})", null));
        }

        rows.Add(new("participants, rooms", "room_phase", "text", RoomPhases.Waiting, "Seats are being taken; the game has not started.", null));
        rows.Add(new("participants, rooms", "room_phase", "text", RoomPhases.Started, "The game is being played (rounds 1-5).", null));
        rows.Add(new("participants, rooms", "room_phase", "text", RoomPhases.Finished, "The game is over: round 5 closed (consensus or no_consensus), or it was ended early (room_events ended_early).", null));
        rows.AddRange(CodebookWords.RoomEvents.Select(w => new CodebookRow(RoomEventsSheet.Sheet.Name, "event_type", "text", w.Word, w.Meaning, null)));
        rows.AddRange(CodebookWords.FacilitatorActions.Select(w => new CodebookRow(FacilitatorActionsSheet.Sheet.Name, "action", "text", w.Word, w.Meaning, null)));
        rows.AddRange(CodebookWords.Languages.Select(w => new CodebookRow($"{DecisionsSheet.Sheet.Name}, {ConsensusSheet.Sheet.Name}", "language", "text", w.Word, w.Meaning, null)));
        for (var confidence = RoomRules.MinConfidence; confidence <= RoomRules.MaxConfidence; confidence++)
        {
            var meaning = confidence switch
            {
                RoomRules.MinConfidence => "lowest self-rated confidence",
                RoomRules.MaxConfidence => "highest self-rated confidence",
                _ => "self-rated confidence, on a scale from 1 (lowest) to 5 (highest)",
            };
            rows.Add(new("participants", "round_N_confidence, round_N_consensus_confidence", "number", confidence.ToString(CultureInfo.InvariantCulture), meaning, null));
        }

        rows.Add(new("all", "(any)", "boolean", "TRUE / FALSE", "Yes / no.", null));
        rows.Add(new("all", "(any)", "any", "(empty cell)", "No value: no answer yet, not reached, or not applicable.", null));
        foreach (var label in choiceLabels)
        {
            rows.Add(new(
                "participants",
                $"round_{label.RoundNumber}_choice, round_{label.RoundNumber}_consensus_choice",
                "number",
                label.Choice.ToString(CultureInfo.InvariantCulture),
                $"{label.English} / {label.Korean} (scenario {label.ScenarioId}; a room created on another scenario_id had other options)",
                label.Topic));
        }

        return rows;
    }

    private static string TypeName(ExportValueKind kind) => kind switch
    {
        ExportValueKind.Number => "number",
        ExportValueKind.Fractional => "decimal",
        ExportValueKind.Boolean => "boolean",
        ExportValueKind.Timestamp => "date (UTC)",
        _ => "text",
    };

    private static string KoreanRoleName(int role) => role switch
    {
        1 => "요양보호사",
        2 => "가족",
        _ => "AI 개발자",
    };
}

internal sealed record CodebookRow(string Sheet, string Column, string Type, string? Code, string Meaning, string? Topic);
