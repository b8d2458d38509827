using System.Globalization;
using System.Text.Json;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// What a client's <c>offer</c>, <c>answer</c> or <c>candidate</c> says: the addressee (<c>to</c>, a peer id
/// as a number or a string of digits) and the payload field's raw UTF-8 JSON, copied untouched so neither
/// end decodes or re-encodes it. Read in one pass over a message <see cref="SocketMessage"/> has checked;
/// where a name occurs twice the last one counts.
/// </summary>
public readonly record struct RelayRequest(long? To, byte[]? Payload)
{
    public static RelayRequest Read(ReadOnlySpan<byte> utf8, ReadOnlySpan<byte> payloadField)
    {
        long? to = null;
        byte[]? payload = null;
        var reader = new Utf8JsonReader(utf8);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("to"u8))
            {
                reader.Read();
                to = ReadPeerId(ref reader);

                // An object or array is no peer id, and read on its own "to" would pass for the message's.
                reader.Skip();
            }
            else if (reader.ValueTextEquals(payloadField))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                var isNull = reader.TokenType == JsonTokenType.Null;
                reader.Skip();
                payload = isNull ? null : utf8[start..(int)reader.BytesConsumed].ToArray();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new RelayRequest(to, payload);
    }

    private static long? ReadPeerId(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt64(out var id) => id,
        JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) => id,
        _ => null,
    };
}
