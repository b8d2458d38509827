using System.Diagnostics;
using System.Net.WebSockets;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Failover;

/// <summary>A signaling socket that broke (<see cref="Dropped"/>) and, unless the game ended first, was joined again (<see cref="Rejoined"/>).</summary>
public sealed record SocketDrop(TimeSpan Dropped, TimeSpan? Rejoined);

/// <summary>
/// Signaling sockets held open the way the browser client holds them (#9): join on open, and when the socket
/// breaks (its gateway died), open it again after a jittered pause and join again, until the game ends.
/// Every drop is kept with the time it was joined again, so the run can count reconnects per fault.
/// </summary>
public sealed class HeldSignaling(Uri front, Stopwatch clock)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    private readonly List<SocketDrop> _drops = [];
    private readonly Lock _lock = new();
    private int _joined;

    /// <summary>Sockets joined for the first time.</summary>
    public int Joined => Volatile.Read(ref _joined);

    public IReadOnlyList<SocketDrop> Drops
    {
        get
        {
            lock (_lock)
            {
                return [.. _drops];
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="player"/>'s socket in room <paramref name="code"/> until <paramref name="gameOver"/>;
    /// <paramref name="hold"/> says meanwhile whether it is joined.
    /// </summary>
    public async Task HoldAsync(Player player, string code, SignalingHold hold, CancellationToken gameOver)
    {
        var path = $"/ws/signaling?room_code={code}&token={player.Tokens.AccessToken}";
        int? drop = null;
        var joinedOnce = false;
        var pause = FirstPause;
        while (!gameOver.IsCancellationRequested)
        {
            SocketClient? socket = null;
            try
            {
                socket = await SocketClient.ConnectAsync(front, path, gameOver);
                await socket.SendAsync(new { type = "join" }, gameOver);
                await socket.NextAsync("peers", gameOver);
                NoteJoined(drop);
                hold.IsJoined = true;
                joinedOnce = true;
                drop = null;
                pause = FirstPause;
                // Open until the gateway behind it goes away (or the game ends: then the wait is cancelled).
                await socket.ClosedWithinAsync(Timeout.InfiniteTimeSpan, gameOver);
                hold.IsJoined = false;
                drop = Dropped();
            }
            catch (OperationCanceledException) when (gameOver.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException or InvalidOperationException or OperationCanceledException)
            {
                hold.IsJoined = false;
                // Refused or broken before the join was answered: a browser tries again the same way.
                if (joinedOnce)
                {
                    drop ??= Dropped();
                }
            }
            finally
            {
                if (socket is not null)
                {
                    await socket.DisposeAsync();
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * pause.TotalMilliseconds), gameOver);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }

    private int Dropped()
    {
        lock (_lock)
        {
            _drops.Add(new SocketDrop(clock.Elapsed, null));
            return _drops.Count - 1;
        }
    }

    private void NoteJoined(int? drop)
    {
        if (drop is not { } index)
        {
            Interlocked.Increment(ref _joined);
            return;
        }

        lock (_lock)
        {
            _drops[index] = _drops[index] with { Rejoined = clock.Elapsed };
        }
    }
}

/// <summary>Whether a held socket is joined right now, for a table that waits for its sockets before it ends the game.</summary>
public sealed class SignalingHold
{
    private volatile bool _isJoined;

    public bool IsJoined
    {
        get => _isJoined;
        set => _isJoined = value;
    }
}
