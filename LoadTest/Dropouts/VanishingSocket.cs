using System.Net.WebSockets;
using System.Text.Json;

namespace Dilemma.LoadTest.Dropouts;

/// <summary>
/// A player's signaling socket, open from the start of the game (it makes the player present to the
/// room) until the player vanishes: then it is aborted the way a closed laptop ends a connection,
/// without a close handshake. Incoming messages are read and dropped (the server's pings need an
/// answer, which only a pending receive gives).
/// </summary>
public sealed class VanishingSocket : IAsyncDisposable
{
    private static readonly byte[] Join = """{"type":"join"}"""u8.ToArray();

    private readonly ClientWebSocket _socket = new();
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiving = Task.CompletedTask;

    private VanishingSocket()
    {
    }

    /// <summary>Connects and joins the room's signaling; null with the reason when either fails within <paramref name="timeout"/>.</summary>
    public static async Task<(VanishingSocket? Socket, string? Failure)> OpenAsync(Uri gateway, string roomCode, string accessToken, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new VanishingSocket();
        var scheme = gateway.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var uri = new Uri($"{scheme}://{gateway.Authority}/ws/signaling?room_code={roomCode}&token={accessToken}");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket._socket.ConnectAsync(uri, limit.Token);
            socket._receiving = socket.ReceiveLoopAsync();
            await socket._socket.SendAsync(Join, WebSocketMessageType.Text, endOfMessage: true, limit.Token);
            await socket._joined.Task.WaitAsync(limit.Token);
            return (socket, null);
        }
        catch (WebSocketException e)
        {
            await socket.DisposeAsync();
            return (null, $"signaling {e.WebSocketErrorCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await socket.DisposeAsync();
            return (null, limit.IsCancellationRequested ? "signaling join timeout" : "signaling closed before joining");
        }
    }

    /// <summary>Gone without a goodbye: the server sees the connection end.</summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                length += read.Count;
                if (!read.EndOfMessage && length < buffer.Length)
                {
                    continue;
                }

                if (read.EndOfMessage && IsPeers(buffer.AsSpan(0, length)))
                {
                    _joined.TrySetResult();
                }

                length = 0;
            }
        }
        catch (WebSocketException)
        {
            // Aborted by Vanish, or the server closed it: either way the socket is done.
        }
        catch (OperationCanceledException)
        {
            // Abort cancels a pending receive.
        }
        catch (ObjectDisposedException)
        {
            // Likewise, on some paths of Abort.
        }
        finally
        {
            _joined.TrySetCanceled();
        }
    }

    private static bool IsPeers(ReadOnlySpan<byte> message)
    {
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    return reader.ValueTextEquals("peers"u8);
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}
