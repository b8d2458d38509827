using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Counts the writes of reminders to the reminder table (each <c>RegisterOrUpdateReminder</c> is one, a row written in
/// the database in cluster mode), per grain key and reminder name; put around the table the silo already has, which
/// still keeps and fires every reminder.
/// </summary>
internal sealed class CountingReminderTable
{
    private readonly ConcurrentDictionary<(string Key, string Reminder), int> _upserts = new();

    /// <summary>The reminder table writes of the named reminder of the grain keyed <paramref name="key"/>.</summary>
    public int Upserts(string key, string reminder) => _upserts.GetValueOrDefault((key, reminder));

    /// <summary>Puts this around the silo's reminder table: for a <see cref="GatewayFactory"/>'s services.</summary>
    public IServiceCollection AroundReminderTable(IServiceCollection services)
    {
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("The silo has no reminder table to count the writes of.");
        services.Remove(existing);
        services.AddSingleton<IReminderTable>(provider => new Table(Inner(existing, provider), this));
        return services;
    }

    private static IReminderTable Inner(ServiceDescriptor descriptor, IServiceProvider provider) => descriptor switch
    {
        { ImplementationInstance: IReminderTable instance } => instance,
        { ImplementationFactory: { } factory } => (IReminderTable)factory(provider),
        { ImplementationType: { } type } => (IReminderTable)ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException("The reminder table's registration has no implementation."),
    };

    private sealed class Table(IReminderTable inner, CountingReminderTable counts) : IReminderTable
    {
        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

        public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

        public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

        public Task<string?> UpsertRow(ReminderEntry entry)
        {
            counts._upserts.AddOrUpdate((entry.GrainId.Key.ToString()!, entry.ReminderName), 1, (_, n) => n + 1);
            return inner.UpsertRow(entry);
        }

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => inner.RemoveRow(grainId, reminderName, eTag);

        public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
    }
}
