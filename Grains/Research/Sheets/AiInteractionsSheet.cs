using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// <c>ai_interactions</c>: one row per set of questions, feedback or bot choice the AI facilitator produced for a selected
/// room, by room code then in the order recorded. A row shown to a person without data consent stays in the database.
/// </summary>
public sealed class AiInteractionsSheet : ResearchSheet<AiInteractionExportRow>
{
    public override ExportSheet<AiInteractionExportRow> Sheet => ExportSheets.AiInteractions;

    public override IAsyncEnumerable<AiInteractionExportRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.QueryByRoomBatchAsync(
            where => $"""
                SELECT a.room_code, a.user_id, a.kind, a.round_number, a.occurred_at, a.provider, a.model, a.prompt_version, a.fell_back, a.fallback_reason
                FROM rooms r
                STRAIGHT_JOIN ai_interactions a ON a.room_code = r.room_code
                LEFT JOIN users u ON u.id = a.user_id
                {(where.Length == 0 ? "WHERE" : where + " AND")} (a.user_id IS NULL OR {MySqlSheetContext.Exported})
                ORDER BY r.room_code, a.id
                """,
            reader => Read(reader, source),
            cancellationToken);
    }

#pragma warning disable CA1849 // IsDBNull: the whole row is already received (no SequentialAccess).
    private static AiInteractionExportRow Read(MySqlDataReader reader, MySqlSheetContext source) => new(
        source.Pooled(reader.GetString(0)),
        reader.IsDBNull(1) ? null : reader.GetInt64(1),
        source.Pooled(reader.GetString(2)),
        reader.IsDBNull(3) ? null : reader.GetInt32(3),
        ExportValue.ToExportTime(reader.GetDateTime(4)),
        source.Pooled(reader.GetString(5)),
        reader.IsDBNull(6) ? null : source.Pooled(reader.GetString(6)),
        source.Pooled(reader.GetString(7)),
        reader.GetBoolean(8),
        reader.IsDBNull(9) ? null : source.Pooled(reader.GetString(9)));
#pragma warning restore CA1849

    public override async IAsyncEnumerable<AiInteractionExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            foreach (var shown in source.Research.AiInteractions(room.Record.RoomCode))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (shown.UserId is { } user && !await source.IsExportedAsync(user, cancellationToken))
                {
                    continue;
                }

                yield return new AiInteractionExportRow(
                    shown.RoomCode,
                    shown.UserId,
                    shown.Kind,
                    shown.RoundNumber,
                    ExportValue.ToExportTime(shown.At),
                    ExportValue.Clean(shown.Provider),
                    shown.Model is { } model ? ExportValue.Clean(model) : null,
                    ExportValue.Clean(shown.PromptVersion),
                    shown.FellBack,
                    shown.FallbackReason);
            }
        }
    }
}
