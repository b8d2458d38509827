using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// Applies the retention rule once a day, on an Orleans reminder: it is in the database in cluster mode, so the day's
/// run happens whichever silo is up. The work is <see cref="ResearchRetention"/>'s.
/// </summary>
public sealed class ResearchRetentionGrain(ResearchRetention retention, TimeProvider time) : Grain, IResearchRetentionGrain, IRemindable
{
    private const string ReminderName = "research-retention";

    public async Task EnsureScheduledAsync(CancellationToken cancellationToken) =>
        _ = await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1), cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == ReminderName ? retention.ApplyAsync(time.GetUtcNow().UtcDateTime, CancellationToken.None) : Task.CompletedTask;
}
