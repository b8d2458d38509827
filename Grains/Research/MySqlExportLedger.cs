using System.Text.Json;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>The export ledger (<c>research_exports</c>, each sheet's count and hash in its <c>sheets</c> column) and the erasure ledger (<c>research_erasures</c>) on MySQL/MariaDB.</summary>
public sealed class MySqlExportLedger(MySqlDataSource dataSource) : IExportLedger
{
    private const string LedgerColumns =
        "export_id, requested_by, requested_by_name, format, filter_from, filter_to, filter_topic, filter_phase, started_at, completed_at, " +
        "participant_rows, room_rows, excluded_participants, participants_sha256, rooms_sha256, canonical_form, erasures, erased_rows, " +
        "filter_session, filter_study, sheets, pseudonymised, pseudonym_study, names_included, csv_sheet, withdrawn_participants, software_version, pseudonym_key_id";

    public async Task RecordExportAsync(ExportLedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(
            """
            INSERT INTO research_exports (export_id, requested_by, requested_by_name, format, filter_from, filter_to, filter_topic,
                filter_phase, started_at, completed_at, participant_rows, room_rows, excluded_participants, participants_sha256,
                rooms_sha256, canonical_form, erasures, erased_rows, filter_session, filter_study, sheets, pseudonymised, pseudonym_study,
                names_included, csv_sheet, withdrawn_participants, software_version, pseudonym_key_id)
            VALUES (@exportId, @requestedBy, @requestedByName, @format, @from, @to, @topic, @phase, @startedAt, @completedAt,
                @participantRows, @roomRows, @excluded, @participantsSha256, @roomsSha256, @canonicalForm, @erasures, @erasedRows,
                @session, @study, @sheets, @pseudonymised, @pseudonymStudy, @namesIncluded, @csvSheet, @withdrawn, @softwareVersion, @pseudonymKeyId)
            """,
            connection);
        command.Parameters.AddWithValue("@exportId", entry.ExportId.ToString("D"));
        command.Parameters.AddWithValue("@requestedBy", entry.RequestedBy);
        command.Parameters.AddWithValue("@requestedByName", entry.RequestedByName);
        command.Parameters.AddWithValue("@format", entry.Format);
        command.Parameters.AddWithValue("@from", entry.Filter.From?.UtcDateTime);
        command.Parameters.AddWithValue("@to", entry.Filter.To?.UtcDateTime);
        command.Parameters.AddWithValue("@topic", entry.Filter.Topic);
        command.Parameters.AddWithValue("@phase", entry.Filter.Phase is { } phase ? RoomPhases.Word(phase) : null);
        command.Parameters.AddWithValue("@startedAt", entry.StartedAt);
        command.Parameters.AddWithValue("@completedAt", entry.CompletedAt);
        command.Parameters.AddWithValue("@participantRows", entry.ParticipantRows);
        command.Parameters.AddWithValue("@roomRows", entry.RoomRows);
        command.Parameters.AddWithValue("@excluded", entry.ExcludedParticipants);
        command.Parameters.AddWithValue("@participantsSha256", entry.ParticipantsSha256);
        command.Parameters.AddWithValue("@roomsSha256", entry.RoomsSha256);
        command.Parameters.AddWithValue("@canonicalForm", entry.CanonicalForm);
        command.Parameters.AddWithValue("@erasures", entry.Erasures);
        command.Parameters.AddWithValue("@erasedRows", entry.ErasedRows);
        command.Parameters.AddWithValue("@session", entry.Filter.SessionCode);
        command.Parameters.AddWithValue("@study", entry.Filter.StudyLabel);
        command.Parameters.AddWithValue("@sheets", JsonSerializer.Serialize(entry.Sheets.Select(s => new StoredSheet(s.Sheet, s.Rows, s.Sha256))));
        command.Parameters.AddWithValue("@pseudonymised", entry.Pseudonymised);
        command.Parameters.AddWithValue("@pseudonymStudy", entry.PseudonymStudy);
        command.Parameters.AddWithValue("@namesIncluded", entry.NamesIncluded);
        command.Parameters.AddWithValue("@csvSheet", entry.CsvSheet);
        command.Parameters.AddWithValue("@withdrawn", entry.WithdrawnParticipants);
        command.Parameters.AddWithValue("@softwareVersion", entry.SoftwareVersion);
        command.Parameters.AddWithValue("@pseudonymKeyId", entry.PseudonymKeyId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ExportLedgerEntry?> FindExportAsync(Guid exportId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand($"SELECT {LedgerColumns} FROM research_exports WHERE export_id = @exportId", connection);
        command.Parameters.AddWithValue("@exportId", exportId.ToString("D"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadLedgerEntry(reader) : null;
    }

    public async Task<(IReadOnlyList<ExportLedgerEntry> Entries, long Total)> ListExportsAsync(long offset, int count, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // The auto-increment id is the order in which exports were recorded, and the primary key walks it.
        await using var command = new MySqlCommand(
            $"SELECT {LedgerColumns} FROM research_exports ORDER BY id DESC LIMIT @count OFFSET @offset; SELECT COUNT(*) FROM research_exports",
            connection);
        command.Parameters.AddWithValue("@count", count);
        command.Parameters.AddWithValue("@offset", offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ExportLedgerEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(ReadLedgerEntry(reader));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (entries, reader.GetInt64(0));
    }

    public async Task<(IReadOnlyList<ErasureLedgerEntry> Entries, long Total)> ListErasuresAsync(long offset, int count, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(
            "SELECT id, erased_at, rows_erased, kind FROM research_erasures ORDER BY id DESC LIMIT @count OFFSET @offset; SELECT COUNT(*) FROM research_erasures",
            connection);
        command.Parameters.AddWithValue("@count", count);
        command.Parameters.AddWithValue("@offset", offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ErasureLedgerEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ErasureLedgerEntry(reader.GetInt64(0), MySqlSheetContext.Utc(reader.GetDateTime(1)), reader.GetInt64(2), reader.GetString(3)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (entries, reader.GetInt64(0));
    }

#pragma warning disable CA1849 // IsDBNull: the whole row is already received (no SequentialAccess).
    private static ExportLedgerEntry ReadLedgerEntry(MySqlDataReader reader)
    {
        var participants = new SheetSummary(ExportSheets.Participants.Name, reader.GetInt64(10), reader.GetString(13));
        var rooms = new SheetSummary(ExportSheets.Rooms.Name, reader.GetInt64(11), reader.GetString(14));

        // Exports recorded before the sheets column (migration 2026120397) had the two wide sheets only.
        IReadOnlyList<SheetSummary> sheets = reader.IsDBNull(20)
            ? [participants, rooms]
            : [.. JsonSerializer.Deserialize<List<StoredSheet>>(reader.GetString(20))!.Select(s => new SheetSummary(s.Sheet, s.Rows, s.Sha256))];
        return new(
            reader.GetGuid(0),
            reader.GetInt64(1),
            reader.GetString(2),
            reader.GetString(3),
            new ExportFilter(
                reader.IsDBNull(4) ? null : new DateTimeOffset(MySqlSheetContext.Utc(reader.GetDateTime(4))),
                reader.IsDBNull(5) ? null : new DateTimeOffset(MySqlSheetContext.Utc(reader.GetDateTime(5))),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                !reader.IsDBNull(7) && RoomPhases.TryParse(reader.GetString(7), out var phase) ? (RoomPhase?)phase : null,
                reader.IsDBNull(18) ? null : reader.GetString(18),
                reader.IsDBNull(19) ? null : reader.GetString(19)),
            MySqlSheetContext.Utc(reader.GetDateTime(8)),
            MySqlSheetContext.Utc(reader.GetDateTime(9)),
            participants.Rows,
            rooms.Rows,
            reader.GetInt64(12),
            participants.Sha256,
            rooms.Sha256,
            reader.GetString(15),
            reader.GetInt64(16),
            reader.GetInt64(17),
            sheets,
            reader.IsDBNull(21) ? null : reader.GetBoolean(21),
            reader.IsDBNull(22) ? null : reader.GetString(22),
            reader.IsDBNull(23) ? null : reader.GetBoolean(23),
            reader.IsDBNull(24) ? null : reader.GetString(24),
            reader.IsDBNull(25) ? null : reader.GetInt64(25),
            reader.IsDBNull(26) ? null : reader.GetString(26),
            reader.IsDBNull(27) ? null : reader.GetString(27));
    }
#pragma warning restore CA1849

    /// <summary>A sheet's entry as the <c>sheets</c> column stores it: JSON, with these names.</summary>
    private sealed record StoredSheet(string Sheet, long Rows, string Sha256);
}
