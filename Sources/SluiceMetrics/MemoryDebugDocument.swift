/// The `GET /debug/memory` JSON: the monitor's totals, the memory guard's state, the latest
/// sample and the recent history (oldest first), every sample in the same shape.
///
/// ```
/// let body = MemoryDebugDocument.render(monitor: monitor, memory: memoryGuard.status())
/// // {"interval_seconds":1,"samples_total":42,...,"latest":{...},"history":[{...},...]}
/// ```
package enum MemoryDebugDocument {
    /// The document for a running monitor.
    package static func render(monitor: MemoryMonitor, memory: MemoryGuard.Status) -> [UInt8] {
        let history = monitor.recentHistory
        let interval = monitor.configuration.interval.components
        return render(
            intervalSeconds: Double(interval.seconds) + Double(interval.attoseconds) / 1e18,
            statistics: monitor.statistics(), memory: memory, latest: history.last, history: history)
    }

    /// The document from explicit parts (tests, or a caller holding its own history).
    package static func render(intervalSeconds: Double, statistics: MemoryMonitor.Statistics, memory: MemoryGuard.Status, latest: MemorySample?, history: [MemorySample]) -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            json.member("interval_seconds", intervalSeconds)
            json.member("samples_total", statistics.samplesTotal)
            json.member("samples_dropped_total", statistics.samplesDroppedTotal)
            json.member("memory_limit_bytes", memory.limitBytes)
            json.member("shedding", memory.isShedding)
            json.member("malloc_trims_total", memory.trimsTotal)
            json.key("latest")
            if let latest { write(latest, to: &json) } else { json.null() }
            json.key("history")
            json.array { json in
                for sample in history { write(sample, to: &json) }
            }
        }
        return json.bytes
    }

    private static func write(_ sample: MemorySample, to json: inout JSONWriter) {
        json.object { json in
            json.member("sequence", sample.sequence)
            json.member("unix_time_seconds", sample.unixTimeSeconds)
            json.member("duration_seconds", sample.durationSeconds)
            let process = sample.process
            json.key("process")
            json.object { json in
                json.member("resident_memory_bytes", process.residentMemoryBytes)
                json.member("virtual_memory_bytes", process.virtualMemoryBytes)
                json.member("threads", process.threads)
                json.member("open_fds", process.openFDs)
                json.member("max_fds", process.maxFDs)
                json.member("cpu_seconds", process.cpuSeconds)
                json.member("start_time_seconds", process.startTimeSeconds)
            }
            let heap = sample.allocator
            json.key("heap")
            json.object { json in
                json.member("inuse_bytes", heap.inUseBytes)
                json.member("free_bytes", heap.freeBytes)
                json.member("releasable_bytes", heap.releasableBytes)
                json.member("mmapped_bytes", heap.mmappedBytes)
                json.member("allocations", heap.allocations)
                json.member("frees", heap.frees)
                json.member("allocated_bytes", heap.allocatedBytes)
                json.member("allocation_counting", heap.isCountingAllocations)
            }
            let service = sample.service
            json.key("service")
            json.object { json in
                json.member("connections_open", service.connectionsOpen)
                json.member("connections_total", service.connectionsTotal)
                json.member("buffer_items", service.bufferItems)
                json.member("buffer_capacity_items", service.bufferCapacityItems)
                json.key("pools")
                json.array { json in
                    for pool in service.pools {
                        json.object { json in
                            json.member("name", pool.name)
                            json.member("gets", pool.gets)
                            json.member("misses", pool.misses)
                            json.member("idle_objects", pool.idleObjects)
                            json.member("idle_bytes", pool.idleBytes)
                        }
                    }
                }
                json.key("sink")
                json.object { json in
                    json.member("flushes", service.sink.flushes)
                    json.member("items_written", service.sink.itemsWritten)
                    json.member("bytes_written", service.sink.bytesWritten)
                    json.member("errors", service.sink.errors)
                }
            }
        }
    }
}
