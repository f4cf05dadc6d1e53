/**
 * Where this process's cgroups are, from the text of `/proc/self/cgroup` and `/proc/self/mountinfo`: the cgroup
 * v1 hierarchies of the controllers the node needs (cpu, cpuacct, memory, optionally cpuset), or the cgroup v2
 * unified hierarchy. Pure: the texts come in, a layout (or the reason there is none) goes out.
 */

/** Controllers a v1 node needs; `cpuset` is used only to pin the node to cores. */
const V1_CONTROLLERS = ["cpu", "cpuacct", "memory"] as const;

/** The cgroup layout of this process. */
export type CgroupLayout =
  | {
      readonly version: 1;
      /** Per controller: the directory of this process's current cgroup (where the node is created, as a child). */
      readonly dirs: Readonly<Record<(typeof V1_CONTROLLERS)[number], string>> & { readonly cpuset?: string };
    }
  | {
      readonly version: 2;
      /** Mount point of the unified hierarchy (the root cgroup as this process sees it). */
      readonly mount: string;
      /** The directory of this process's current cgroup. */
      readonly dir: string;
    };

/** One mount of `/proc/self/mountinfo` that is a cgroup hierarchy. */
interface CgroupMount {
  readonly mountPoint: string;
  /** The path inside the hierarchy that is mounted (`/` unless a namespace or bind mount shows a subtree). */
  readonly root: string;
  readonly fsType: "cgroup" | "cgroup2";
  /** v1 controllers of the hierarchy (super options), e.g. `["cpu", "cpuacct"]`. */
  readonly controllers: readonly string[];
}

/** Undoes mountinfo's octal escapes (`\040` for a space). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The cgroup mounts of a `/proc/self/mountinfo` text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(" ");
    const [fsType = "", , superOptions = ""] = line.slice(sep + 3).split(" ");
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const root = before[3];
    const mountPoint = before[4];
    if (root === undefined || mountPoint === undefined) continue;
    const controllers = fsType === "cgroup" ? superOptions.split(",").filter((o) => o !== "rw" && o !== "ro" && !o.includes("=")) : [];
    out.push({ mountPoint: unescapeMountField(mountPoint), root: unescapeMountField(root), fsType, controllers });
  }
  return out;
}

/** `/proc/self/cgroup`: per hierarchy id, its controllers and this process's path (v2: id 0, no controllers). */
function parseProcCgroup(text: string): { readonly controllers: readonly string[]; readonly path: string }[] {
  const out: { controllers: string[]; path: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ controllers: (m[2] ?? "").split(",").filter((c) => c !== ""), path: m[3] ?? "/" });
  }
  return out;
}

/** The directory of `path` (a cgroup path) under a mount that shows the hierarchy from `root`; undefined if outside. */
function dirUnder(mount: CgroupMount, path: string): string | undefined {
  const root = mount.root === "/" ? "" : mount.root.replace(/\/+$/, "");
  if (root !== "" && path !== root && !path.startsWith(`${root}/`)) return undefined;
  const rest = path.slice(root.length).replace(/^\/+/, "");
  return rest === "" ? mount.mountPoint : `${mount.mountPoint.replace(/\/+$/, "")}/${rest}`;
}

/**
 * The layout this process can create a node in. cgroup v1 when the cpu, cpuacct and memory controllers each have a
 * mounted hierarchy (a hybrid machine's empty unified mount is ignored); else cgroup v2 when `v2Controllers` (the
 * unified root's `cgroup.controllers`) offers cpu and memory; else a reason, for the run's metadata and the log.
 */
export function cgroupLayout(procCgroup: string, mountinfo: string, v2Controllers: (mount: string) => string | undefined): CgroupLayout | { readonly none: string } {
  const mounts = parseCgroupMounts(mountinfo);
  const entries = parseProcCgroup(procCgroup);
  const v1Dir = (controller: string): string | undefined => {
    const entry = entries.find((e) => e.controllers.includes(controller));
    const mount = mounts.find((m) => m.fsType === "cgroup" && m.controllers.includes(controller));
    return entry && mount ? dirUnder(mount, entry.path) : undefined;
  };
  const [cpu, cpuacct, memory] = V1_CONTROLLERS.map(v1Dir);
  if (cpu !== undefined && cpuacct !== undefined && memory !== undefined) {
    const cpuset = v1Dir("cpuset");
    return { version: 1, dirs: { cpu, cpuacct, memory, ...(cpuset !== undefined ? { cpuset } : {}) } };
  }
  const unified = mounts.find((m) => m.fsType === "cgroup2");
  const own = entries.find((e) => e.controllers.length === 0);
  if (unified && own) {
    const offered = (v2Controllers(unified.mountPoint) ?? "").trim().split(/\s+/);
    const missing = ["cpu", "memory"].filter((c) => !offered.includes(c));
    if (missing.length > 0) return { none: `the cgroup v2 hierarchy at ${unified.mountPoint} offers no ${missing.join(" or ")} controller` };
    const dir = dirUnder(unified, own.path);
    if (dir === undefined) return { none: `this process's cgroup ${own.path} is outside the mounted cgroup v2 hierarchy` };
    return { version: 2, mount: unified.mountPoint, dir };
  }
  return { none: "no cgroup hierarchy with the cpu, cpuacct and memory controllers (v1) or cpu and memory (v2) is mounted" };
}
