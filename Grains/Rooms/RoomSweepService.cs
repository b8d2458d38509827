using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Finds waiting rooms whose activation was lost (a silo stopped or failed) and wakes them, so
/// they can close themselves once abandoned. Rooms that stay active check themselves with a timer
/// (<see cref="RoomGrain"/>); Orleans' reminders would survive silos too, but no reminder table is
/// configured in cluster mode, and this needs none: the research table of rooms already says
/// which rooms are waiting. Every silo sweeps; a room answers the same to each of them.
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

    /// <summary>Asks every waiting room older than the abandonment time whether it was abandoned; answers how many closed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - options.Value.AbandonedAfter;
        var codes = await research.FindWaitingRoomsAsync(cutoff, RoomsPerSweep, cancellationToken);
        var closed = 0;
        foreach (var batch in codes.Chunk(RoomsAtOnce))
        {
            var answers = await Task.WhenAll(batch.Select(code => grains.GetGrain<IRoomGame>(code).CloseIfAbandonedAsync(cancellationToken)));
            closed += answers.Count(a => a);
        }

        return closed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sweep of abandoned rooms failed; it runs again at the next period.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
