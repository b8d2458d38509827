using Dilemma.Grains.Interfaces.Research;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Research;

/// <summary>Asks for the daily retention reminder once the silo answers calls, when a retention rule is set.</summary>
public sealed partial class ResearchRetentionScheduler(IGrainFactory grains, IOptions<RetentionOptions> options, TimeProvider time, ILogger<ResearchRetentionScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), time);
        do
        {
            try
            {
                await grains.GetGrain<IResearchRetentionGrain>(0).EnsureScheduledAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The silo may still be starting; try again shortly.
                LogNotYet(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The research retention reminder could not be registered yet; trying again in 30 s.")]
    private static partial void LogNotYet(ILogger logger, Exception exception);
}
