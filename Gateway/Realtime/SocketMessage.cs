using System.Text.Json;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// One whole message from a socket, known to be valid JSON, and its top-level string <c>type</c>.
/// Checked with one <see cref="Utf8JsonReader"/> pass rather than a <see cref="JsonDocument"/> per
/// frame: a relayed message needs three fields, and building a document for each cost more than
/// relaying it. A handler that needs more fields reads <see cref="Utf8"/> itself.
/// </summary>
public readonly record struct SocketMessage(string Type, ReadOnlyMemory<byte> Utf8)
{
    /// <summary>The whole message as a document, for the handlers of rarer messages that read several fields.</summary>
    public JsonDocument Parse() => JsonDocument.Parse(Utf8);

    /// <summary>
    /// Reads <paramref name="utf8"/> to its end (so malformed JSON is told apart from a message without a type)
    /// and finds its top-level <c>type</c>; where a name occurs twice the last one counts, as in <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>.
    /// </summary>
    public static SocketMessageCheck TryRead(ReadOnlyMemory<byte> utf8, out SocketMessage message)
    {
        message = default;
        string? type = null;
        var reader = new Utf8JsonReader(utf8.Span);
        try
        {
            if (!reader.Read())
            {
                return SocketMessageCheck.Malformed;
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    reader.Read();
                    if (isType)
                    {
                        type = reader.TokenType == JsonTokenType.String ? ReadType(ref reader) : null;
                    }

                    // Every value is skipped whole, a type too: were an object there read on, its own "type" would pass for the message's.
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }

            // Past the root value only whitespace may follow; anything else throws here.
            reader.Read();
        }
        catch (JsonException)
        {
            return SocketMessageCheck.Malformed;
        }

        if (type is null)
        {
            return SocketMessageCheck.MissingType;
        }

        message = new SocketMessage(type, utf8);
        return SocketMessageCheck.Read;
    }

    // The relay's own types without a string per message; any other is read as a new string.
    private static string ReadType(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("candidate"u8) ? "candidate"
        : reader.ValueTextEquals("offer"u8) ? "offer"
        : reader.ValueTextEquals("answer"u8) ? "answer"
        : reader.ValueTextEquals("ping"u8) ? "ping"
        : reader.GetString()!;
}

public enum SocketMessageCheck
{
    Read,
    Malformed,
    MissingType,
}
