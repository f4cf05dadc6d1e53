/**
 * Resource requirements by workload size: the one shared preset table (upstream's DuckDB plugin kept its own
 * copy and lost the ephemeral-storage values, defect 5), with full K8s quantity patterns (defect 11).
 */
import { z } from "zod";

/** Workload sizes, sorted. */
export const WORKLOAD_SIZES = ["large", "medium", "small"] as const;

/** One of {@link WORKLOAD_SIZES}. */
export type WorkloadSize = (typeof WORKLOAD_SIZES)[number];

/** CPU as a K8s quantity: millicores (`500m`) or cores (`2`, `0.5`). */
export const CPU_QUANTITY = /^(?:[1-9]\d*m|\d+(?:\.\d+)?)$/;
/** Memory/storage as a K8s quantity with a binary suffix (`256Mi`, `4Gi`) or plain bytes. */
export const BYTES_QUANTITY = /^(?:[1-9]\d*(?:Ki|Mi|Gi|Ti)|\d+)$/;

/** Schema of a {@link ResourceSpec}: every field must be a full K8s quantity, not just end in one. */
export const resourceSpecSchema = z
  .object({
    cpuRequest: z.string().regex(CPU_QUANTITY, "must be a CPU quantity like 500m or 2"),
    cpuLimit: z.string().regex(CPU_QUANTITY, "must be a CPU quantity like 500m or 2"),
    memoryRequest: z.string().regex(BYTES_QUANTITY, "must be a quantity like 256Mi or 4Gi"),
    memoryLimit: z.string().regex(BYTES_QUANTITY, "must be a quantity like 256Mi or 4Gi"),
    ephemeralStorageRequest: z.string().regex(BYTES_QUANTITY, "must be a quantity like 256Mi or 4Gi"),
    ephemeralStorageLimit: z.string().regex(BYTES_QUANTITY, "must be a quantity like 256Mi or 4Gi"),
  })
  .strict();

/** CPU, memory and ephemeral-storage requests and limits, as K8s quantities. */
export type ResourceSpec = Readonly<z.output<typeof resourceSpecSchema>>;

/** The shared presets (upstream `WORKLOAD_PRESETS`, ephemeral values included). */
export const WORKLOAD_PRESETS: Readonly<Record<WorkloadSize, ResourceSpec>> = Object.freeze({
  small: Object.freeze({
    cpuRequest: "100m",
    cpuLimit: "500m",
    memoryRequest: "256Mi",
    memoryLimit: "512Mi",
    ephemeralStorageRequest: "100Mi",
    ephemeralStorageLimit: "500Mi",
  }),
  medium: Object.freeze({
    cpuRequest: "500m",
    cpuLimit: "2000m",
    memoryRequest: "1Gi",
    memoryLimit: "4Gi",
    ephemeralStorageRequest: "500Mi",
    ephemeralStorageLimit: "2Gi",
  }),
  large: Object.freeze({
    cpuRequest: "2000m",
    cpuLimit: "8000m",
    memoryRequest: "4Gi",
    memoryLimit: "16Gi",
    ephemeralStorageRequest: "1Gi",
    ephemeralStorageLimit: "5Gi",
  }),
});

/** The preset for a size; an unknown size throws `Unknown workload size: {s}. Valid sizes: large, medium, small`. */
export function resourcePreset(size: string): ResourceSpec {
  if (!(WORKLOAD_SIZES as readonly string[]).includes(size)) {
    throw new RangeError(`Unknown workload size: ${size}. Valid sizes: ${WORKLOAD_SIZES.join(", ")}`);
  }
  return WORKLOAD_PRESETS[size as WorkloadSize];
}
