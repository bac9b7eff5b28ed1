/** The file's shape (types and known fields). Values are checked further in validate.ts. */
import { z } from 'zod';

const str = z.string({ invalid_type_error: 'must be a string' });
const addr = z.union([str, z.number()]).transform(String);

export const ContainerSchema = z
  .object({
    network: str,
    ip: addr.optional(),
    mac: str.optional(),
    image: str.optional(),
    command: z.union([str, z.array(str)]).optional(),
  })
  .strict();

export const HostSchema = z
  .object({
    address: addr,
    docker: str.optional(),
    interface: str.optional(),
    parents: z.record(str).optional(),
    ranges: z.record(str).optional(),
    gateway: addr.optional(),
    forward: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    engine: z
      .enum(['20.10', '26', '28'], {
        errorMap: () => ({ message: 'must be "20.10", "26" or "28" (the lab\'s Docker engines)' }),
      })
      .optional(),
    containers: z.record(ContainerSchema).nullish(),
  })
  .strict();

export const NetworkSchema = z
  .object({
    driver: z.enum(['macvlan', 'routed'], { errorMap: () => ({ message: 'must be macvlan or routed' }) }).optional(),
    subnet: str,
    gateway: addr.optional(),
    parent: str.optional(),
    mode: str.optional(),
    vlan: z.number({ invalid_type_error: 'must be a number' }).optional(),
    hostPrefix: z.number({ invalid_type_error: 'must be a number' }).optional(),
    reserved: z.array(addr).optional(),
    hostAccess: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    subnet6: str.optional(),
    gateway6: str.optional(),
  })
  .strict();

export const DeviceSchema = z
  .object({
    kind: z.enum(['router', 'machine'], { errorMap: () => ({ message: 'must be router or machine' }) }),
    address: addr,
    addresses: z.array(str).optional(),
    gateway: addr.optional(),
  })
  .strict();

export const ServiceSchema = z
  .object({
    network: str,
    replicas: z.number({ invalid_type_error: 'must be a number' }).optional(),
    image: str.optional(),
    command: z.union([str, z.array(str)]).optional(),
    placement: z.union([str, z.array(str)]).optional(),
  })
  .strict();

export const LanSchema = z.union([
  str,
  z
    .object({
      subnet: str,
      hairpin: z.boolean().optional(),
      switch: z
        .enum(['learning', 'port-security'], { errorMap: () => ({ message: 'must be learning or port-security' }) })
        .optional(),
    })
    .strict(),
]);

export const TopologySchema = z
  .object({
    name: str,
    lan: LanSchema,
    networks: z.record(NetworkSchema),
    hosts: z.record(HostSchema),
    devices: z.record(DeviceSchema).optional(),
    lock: str.optional(),
    engine: z.enum(['docker', 'swarm'], { errorMap: () => ({ message: 'must be docker or swarm' }) }).optional(),
    manager: str.optional(),
    services: z.record(ServiceSchema).optional(),
  })
  .strict();

export type RawTopology = z.infer<typeof TopologySchema>;
