using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Finds waiting rooms whose activation was lost (a silo stopped or failed) and wakes them, so
/// they can close themselves once abandoned. Rooms that stay active check themselves with a timer
/// (<see cref="RoomGrain"/>); Orleans' reminders would survive silos too, but this needs none: the
/// research table of rooms already says which rooms are waiting. It also asks the started games
/// with no research row for <c>Rooms:LeftGameEndsAfterSeconds</c> whether everyone has left them,
/// so that they end. Every silo sweeps; a room answers the same to each of them.
/// </summary>
public sealed partial class RoomSweepService(
    IGrainFactory grains,
    IResearchStore research,
    IOptions<RoomOptions> options,
    TimeProvider time,
    ILogger<RoomSweepService> logger) : BackgroundService
{
    private const int RoomsPerSweep = 500;
    private const int RoomsAtOnce = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The silo may still be starting or already stopping; the next tick tries again.
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Asks every waiting room older than the abandonment time whether it was abandoned, and every started game quiet for
    /// the left-game time whether everyone has left it.
    /// </summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var waiting = await research.FindWaitingRoomsAsync(now - options.Value.AbandonedAfter, RoomsPerSweep, cancellationToken);
        await AskAsync(waiting, room => room.CloseIfAbandonedAsync(cancellationToken));
        var left = await research.FindLeftGamesAsync(now - options.Value.LeftGameEndsAfter, RoomsPerSweep, cancellationToken);
        var ended = await AskAsync(left, room => room.EndIfLeftAsync(cancellationToken));
        if (ended > 0)
        {
            LogLeftGamesEnded(logger, ended, options.Value.LeftGameEndsAfterSeconds);
        }
    }

    private async Task<int> AskAsync(IReadOnlyList<string> codes, Func<IRoomGame, Task<bool>> question)
    {
        var yes = 0;
        foreach (var batch in codes.Chunk(RoomsAtOnce))
        {
            var answers = await Task.WhenAll(batch.Select(code => question(grains.GetGrain<IRoomGame>(code))));
            yes += answers.Count(a => a);
        }

        return yes;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended {Games} started games nobody had been in for {Seconds} s (Rooms:LeftGameEndsAfterSeconds)")]
    private static partial void LogLeftGamesEnded(ILogger logger, int games, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sweep of abandoned rooms failed; it runs again at the next period.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
