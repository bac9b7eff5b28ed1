/** Registers the commands that touch the world (lab, apply, verify, ...). */
import type { Command } from 'commander';

export function register(_program: Command, _run: unknown): void {}
