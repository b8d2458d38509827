using System.Data;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Room states stored before withdrawal codes were derived kept each seat's code itself, and whoever could read
/// <c>OrleansStorage</c> could withdraw (erase) that participant. A room drops its codes when it next activates, but a
/// finished room may never activate again; this removes them from every stored room state once, when the schema is migrated.
/// </summary>
/// <remarks>
/// The codes stay valid: <c>withdrawal_codes</c> keeps their hashes, and only the hash is needed to withdraw. A state's
/// <c>Version</c> is left as it is, so a silo holding that room keeps writing it without an ETag conflict; such a silo
/// loaded it already and dropped the codes when it did. A state written between the read and the update is not touched.
/// </remarks>
[Migration(2026120705, "Room states keep no plain withdrawal code")]
public sealed class RoomStatesWithoutPlainCodes : Migration
{
    private const string PlainCodeName = "WithdrawalCode";
    private const int Batch = 200;

    public override void Up() => Execute.WithConnection(DropPlainCodes);

    // Nothing to put back: the codes were never needed in the state.
    public override void Down()
    {
    }

    private static void DropPlainCodes(IDbConnection connection, IDbTransaction transaction)
    {
        var after = new byte[32];
        while (true)
        {
            // The stored names follow the grain storage's serializer options, so they are matched without regard to case.
            var states = connection.Query<(byte[] IdentityHash, byte[] Payload, int? Version)>(
                """
                SELECT IdentityHash, PayloadBinary, Version FROM OrleansStorage
                WHERE GrainTypeString = 'room' AND IdentityHash > @after
                  AND LOWER(CONVERT(PayloadBinary USING utf8mb4)) LIKE '%"withdrawalcode":"%'
                ORDER BY IdentityHash LIMIT @batch
                """,
                new { after, batch = Batch },
                transaction).AsList();
            foreach (var state in states)
            {
                if (WithoutPlainCodes(state.Payload) is { } cleaned)
                {
                    connection.Execute(
                        "UPDATE OrleansStorage SET PayloadBinary = @cleaned WHERE IdentityHash = @id AND Version <=> @version",
                        new { cleaned, id = state.IdentityHash, version = state.Version },
                        transaction);
                }
            }

            if (states.Count < Batch)
            {
                return;
            }

            after = states[^1].IdentityHash;
        }
    }

    /// <summary>The state without its seats' plain codes, or null when it holds none (or is not a room's JSON).</summary>
    private static byte[]? WithoutPlainCodes(byte[] payload)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            // A state no room could load is left as it is: refusing to migrate would stop every silo for one unreadable row.
            return null;
        }

        if (parsed is not JsonObject room || Named(room, "Participants") is not JsonArray seats)
        {
            return null;
        }

        var dropped = false;
        foreach (var seat in seats.OfType<JsonObject>())
        {
            foreach (var name in seat.Where(p => string.Equals(p.Key, PlainCodeName, StringComparison.OrdinalIgnoreCase)).Select(p => p.Key).ToList())
            {
                seat.Remove(name);
                dropped = true;
            }
        }

        return dropped ? Encoding.UTF8.GetBytes(room.ToJsonString()) : null;
    }

    private static JsonNode? Named(JsonObject node, string name) =>
        node.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
