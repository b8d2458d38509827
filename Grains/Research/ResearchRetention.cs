using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Research;

/// <summary>
/// The retention rule (<c>Research:RetentionDays</c>, <c>Research:RetentionDaysWithoutConsent</c>) applied once at a given moment:
/// the daily reminder of <see cref="ResearchRetentionGrain"/> calls it with the clock's time, tests with theirs.
/// </summary>
public sealed partial class ResearchRetention(IResearchRetentionStore store, IOptions<RetentionOptions> options, ILogger<ResearchRetention> logger)
{
    public async Task<RetentionReport> ApplyAsync(DateTime now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return default;
        }

        var report = await store.ApplyAsync(
            settings.RetentionDays > 0 ? now.AddDays(-settings.RetentionDays) : null,
            settings.RetentionDaysWithoutConsent > 0 ? now.AddDays(-settings.RetentionDaysWithoutConsent) : null,
            now,
            cancellationToken);
        LogApplied(logger, report.RoomsRemoved, report.RoomRowsRemoved, settings.RetentionDays, report.SeatsWithoutConsentRemoved, report.RowsWithoutConsentRemoved, settings.RetentionDaysWithoutConsent);
        return report;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Research retention: removed {Rooms} rooms ({RoomRows} rows) that ended over {Days} days ago, and {Seats} seats without data consent ({SeatRows} rows) over {DaysWithoutConsent} days (0: that rule is off)")]
    private static partial void LogApplied(ILogger logger, long rooms, long roomRows, int days, long seats, long seatRows, int daysWithoutConsent);
}
